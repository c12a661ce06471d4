"""Test launcher: the real local server (``handlers.local.server.run_server``) whose answers stream
at a human pace, so cancelling or leaving mid-answer can be observed over a real socket.

The answerer is the real extractive one over the real index; only a delay between word
pieces is added (a working implementation of the ``Answerer`` protocol, not a mock)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from handlers.local.server import ServerOptions, run_server, server_settings
from handlers.logs import configure_logging
from service.answer import Answer, Answerer, Retrieve
from service.chat import ChatService
from service.config import Settings
from service.models import ChatTurn
from service.providers import build_answerer
from service.retrieval import FusionWeights
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
            text=self._paced(inner.text), sources=inner.sources, cited_only=inner.cited_only
        )

    def _paced(self, pieces: Iterator[str]) -> Iterator[str]:
        for piece in pieces:
            time.sleep(self._delay)
            yield piece


def paced(services: Services, delay_s: float) -> Services:
    s = services.settings
    chat = ChatService(
        store=services.store,
        embed_model=services.embed_model,
        answerer=PacedAnswerer(build_answerer(s, services.embed_model), delay_s),
        top_k=s.top_k,
        candidates=s.candidates,
        weights=FusionWeights(s.fusion_vector_weight, s.fusion_text_weight, s.fusion_rrf_k),
        max_question_chars=s.max_question_chars,
        max_history_turns=s.max_history_turns,
    )
    return replace(services, chat=chat)


def main(port: int, delay_s: float) -> None:
    configure_logging(logging.INFO)
    settings = server_settings(Settings())
    services = paced(build_services(settings), delay_s)
    run_server(services, ServerOptions(host=settings.host), port=port, samples=None)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
