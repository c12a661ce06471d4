"""Test launcher: the real local server (``handlers.local.server.run_server``) whose answers stream
at a human pace, so cancelling or leaving mid-answer can be observed over a real socket.

The answerer is the real extractive one over the real index; only a delay between word
pieces is added (a working implementation of the ``Answerer`` protocol, not a mock)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence

from handlers.local.server import ServerOptions, run_server, server_settings
from handlers.logs import configure_logging
from service.answer import Answer, Answerer, Retrieve
from service.config import Settings
from service.models import ChatTurn
from service.providers import build_answerer
from service.wiring import Services, build_services

log = logging.getLogger("paced")


class PacedAnswerer:
    """Delays each streamed piece of the inner answerer's text by ``delay_s``."""

    def __init__(self, inner: Answerer, delay_s: float) -> None:
        self._inner = inner
        self._delay = delay_s

    def answer(self, question: str, history: Sequence[ChatTurn], retrieve: Retrieve) -> Answer:
        inner = self._inner.answer(question, history, retrieve)
        return Answer(
            text=self._paced(inner.text),
            sources=inner.sources,
            cited_only=inner.cited_only,
            abstained=inner.abstained,
            usage=inner.usage,
        )

    def _paced(self, pieces: Iterator[str]) -> Iterator[str]:
        for piece in pieces:
            time.sleep(self._delay)
            yield piece


def paced(settings: Settings, delay_s: float) -> Services:
    """The server's services with every answer paced by ``delay_s`` per piece."""
    return build_services(
        settings,
        answerer=lambda s, model: PacedAnswerer(build_answerer(s, model), delay_s),
    )


def main(port: int, delay_s: float) -> None:
    configure_logging(logging.INFO)
    settings = server_settings(Settings())
    services = paced(settings, delay_s)
    run_server(services, ServerOptions(host=settings.host), port=port, samples=None)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
