"""A worker killed with SIGKILL mid-ingestion, then restarted: the document ends INDEXED with
exactly one set of chunks; a job that kills its worker every time ends FAILED."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from service.models import DocumentStatus
from service.wiring import Services
from service.worker import DEAD_LETTER_REASON
from tests.conftest import ROOT, SAMPLES


def crash(data_dir: Path, point: str, visibility_s: float = 1.0) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.hardening.crash_worker",
            str(data_dir),
            point,
            str(visibility_s),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]


@pytest.mark.parametrize("point", ["after-claim", "before-commit", "after-commit"])
def test_killed_worker_restarts_and_completes(
    make_services: Callable[..., Services], tmp_path: Path, point: str
) -> None:
    data_dir = tmp_path / "data"
    svc = make_services(data_dir=data_dir, queue_visibility_timeout_s=1)
    doc = svc.documents.add(
        "kim", "handbook.pdf", (SAMPLES / "field-station-handbook.pdf").read_bytes()
    )
    crash(data_dir, point)
    assert svc.registry.get(doc.doc_id).status is DocumentStatus.PROCESSING  # type: ignore[union-attr]
    assert svc.worker is not None
    svc.worker.drain(timeout_s=60)  # the restarted worker: the job is visible again after 1 s
    final = svc.registry.get(doc.doc_id)
    assert final is not None
    assert final.status is DocumentStatus.INDEXED
    nodes = svc.store.get_nodes(owner="kim", doc_ids=[doc.doc_id])
    assert len(nodes) == final.chunks == svc.store.count(doc_id=doc.doc_id)
    assert [n.metadata["chunk_index"] for n in nodes] == list(range(final.chunks))


def test_job_that_always_kills_its_worker_ends_failed(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    svc = make_services(data_dir=data_dir, queue_visibility_timeout_s=1, queue_max_receives=3)
    doc = svc.documents.add("kim", "faq.txt", (SAMPLES / "visitor-faq.txt").read_bytes())
    for _ in range(3):
        crash(data_dir, "after-claim")
    assert svc.worker is not None
    svc.worker.drain(timeout_s=60)
    final = svc.registry.get(doc.doc_id)
    assert final is not None
    assert final.status is DocumentStatus.FAILED
    assert final.error == DEAD_LETTER_REASON
    assert svc.store.count(doc_id=doc.doc_id) == 0
    assert svc.queue.dead_letter_count() == 1  # type: ignore[attr-defined]


STEPS = [
    "before-processing",
    "after-claim",
    "after-parse",
    "while-embedding",
    "before-commit",
    "after-commit",
    "before-ack",
]


@pytest.mark.parametrize("point", STEPS)
def test_killed_at_any_step_every_document_ends_indexed_once_without_waiting(
    make_services: Callable[..., Services], tmp_path: Path, point: str
) -> None:
    """The restarted worker resumes the dead one's job at once: with the default 300 s
    visibility timeout, waiting it out would leave the documents in flight past the drain."""
    data_dir = tmp_path / "data"
    svc = make_services(data_dir=data_dir)
    assert svc.settings.queue_visibility_timeout_s >= 300
    docs = [
        svc.documents.add(
            "kim", "handbook.pdf", (SAMPLES / "field-station-handbook.pdf").read_bytes()
        ),
        svc.documents.add("kim", "faq.txt", (SAMPLES / "visitor-faq.txt").read_bytes()),
    ]
    crash(data_dir, point, visibility_s=svc.settings.queue_visibility_timeout_s)
    assert svc.worker is not None
    svc.worker.drain(timeout_s=60)
    for doc in docs:
        final = svc.registry.get(doc.doc_id)
        assert final is not None and final.status is DocumentStatus.INDEXED, (point, final)
        nodes = svc.store.get_nodes(owner="kim", doc_ids=[doc.doc_id])
        assert len(nodes) == len({n.node_id for n in nodes}) == final.chunks > 0
        assert svc.store.count(doc_id=doc.doc_id) == final.chunks
    assert svc.queue.pending() == 0  # type: ignore[attr-defined]


HOLD_A_JOB = """
import sys, time
from pathlib import Path
from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_queue import SqliteJobQueue
queue = SqliteJobQueue(SqliteDb(Path(sys.argv[1]) / "rag.sqlite3"))
assert len(queue.receive(1)) == 1
print("taken", flush=True)
time.sleep(120)
"""


def test_only_jobs_of_dead_processes_are_reclaimed(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    """A CLI and a server may share a data dir: a live process's in-flight job is left alone;
    once that process is gone, its job is visible again at once."""
    data_dir = tmp_path / "data"
    svc = make_services(data_dir=data_dir)
    svc.documents.add("kim", "faq.txt", (SAMPLES / "visitor-faq.txt").read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_JOB, str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "taken"
        assert svc.queue.reclaim_orphans() == 0  # type: ignore[attr-defined]
        assert svc.queue.receive(1) == []  # still invisible: its taker is alive
    finally:
        holder.kill()
        holder.wait()
    assert svc.queue.reclaim_orphans() == 1  # type: ignore[attr-defined]
    assert len(svc.queue.receive(1)) == 1
