"""A worker that kills itself with SIGKILL at a chosen point of ingestion (crash tests).

Usage: python -m tests.hardening.crash_worker DATA_DIR POINT
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from service import ingestion
from service.adapters.sqlite_queue import SqliteJobQueue
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.ingestion import Ingestor
from service.vectors import ChunkStore
from service.wiring import build_services


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    """Patch the one function at ``point`` (there is no seam inside a running ingestion)."""
    original = ChunkStore.replace_document
    if point in _MORE_POINTS:
        _MORE_POINTS[point]()
    elif point == "after-claim":
        ingestion.detect_type = lambda *a, **k: die()  # type: ignore[assignment]
    elif point == "before-commit":
        ChunkStore.replace_document = lambda *a, **k: die()  # type: ignore[method-assign]
    elif point == "after-commit":

        def commit_then_die(self: ChunkStore, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            die()

        ChunkStore.replace_document = commit_then_die  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown point {point}")


def _die_on_processing() -> None:  # taken from the queue, not yet marked PROCESSING
    Ingestor._transition = lambda *a, **k: die()  # type: ignore[method-assign]


def _die_after_parse() -> None:
    ingestion.page_documents = lambda *a, **k: die()  # type: ignore[assignment]


def _die_while_embedding() -> None:
    MiniLMEmbedding._get_text_embeddings = lambda *a, **k: die()  # type: ignore[method-assign]


def _die_before_ack() -> None:  # INDEXED in the registry, the job still in the queue
    SqliteJobQueue.ack = lambda *a, **k: die()  # type: ignore[method-assign]


_MORE_POINTS = {
    "before-processing": _die_on_processing,
    "after-parse": _die_after_parse,
    "while-embedding": _die_while_embedding,
    "before-ack": _die_before_ack,
}


def main() -> None:
    data_dir, point = Path(sys.argv[1]), sys.argv[2]
    visibility_s = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    settings = Settings(
        data_dir=data_dir, queue_visibility_timeout_s=visibility_s, queue_max_receives=3
    )
    services = build_services(settings)
    arm(point)
    assert services.worker is not None
    services.worker.drain(timeout_s=60)
    raise SystemExit("the worker was expected to die")


if __name__ == "__main__":
    main()
