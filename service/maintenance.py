"""Storage maintenance: compact the vector table, fold new rows into its indexes, and delete
table versions older than the retention window (so deleted text leaves the disk)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from service.catalog import retired_since
from service.ingestion import Ingestor
from service.models import Document, DocumentStatus, IngestJob
from service.ports import JobQueue, Registry
from service.vectors import ChunkStore, ensure_vector_index
from service.wiring import Services, open_db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaintenanceReport:
    """What one maintenance run did."""

    versions_before: int
    versions_after: int
    seconds: float
    vector_index_built: bool = False


def run_maintenance(
    store: ChunkStore, *, retention_s: float, vector_index_min_rows: int = 50_000
) -> MaintenanceReport:
    """LanceDB ``optimize`` (compaction, new rows folded into every index) with version cleanup
    older than ``retention_s`` seconds, and the vector index once the table is large enough.

    Never uses ``delete_unverified``, so it is safe while other writers run.
    """
    started = time.monotonic()
    table = store.table
    if table is None:  # lancedb types it optional; the service always opens one
        raise RuntimeError("the vector store has no table")
    before = len(table.list_versions())
    built = ensure_vector_index(table, min_rows=vector_index_min_rows)
    table.optimize(cleanup_older_than=timedelta(seconds=retention_s))
    after = len(table.list_versions())
    report = MaintenanceReport(before, after, time.monotonic() - started, built)
    log.info("maintenance done: %s", report)
    return report


# --- documents that stopped moving (issue 14) ------------------------------------------------

_MOVING = (DocumentStatus.QUEUED, DocumentStatus.PROCESSING)


@dataclass(frozen=True)
class StuckReport:
    """What ``sweep_stuck`` did: documents re-queued and documents failed."""

    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def stuck_reason(stuck_after_s: float) -> str:
    """The error a document gets when its ingestion never finished."""
    minutes = max(1, round(2 * stuck_after_s / 60))
    return (
        f"ingestion did not finish within {minutes} minutes (the worker was probably stopped);"
        " re-index the document to try again"
    )


def sweep_stuck(
    registry: Registry,
    queue: JobQueue,
    ingestor: Ingestor,
    *,
    stuck_after_s: float,
    now: datetime | None = None,
) -> StuckReport:
    """Re-send the job of every QUEUED or PROCESSING document untouched for ``stuck_after_s``
    (a lost message or a killed worker; running a job twice changes nothing), and mark FAILED
    those untouched for twice as long, so no document stays in flight forever."""
    now = now or datetime.now(UTC)
    report = StuckReport()
    for doc in _all_documents(registry):
        age = (now - doc.updated_at).total_seconds()
        if doc.status not in _MOVING or age < stuck_after_s:
            continue
        job = IngestJob(doc_id=doc.doc_id, version=doc.version)
        if age < 2 * stuck_after_s:
            queue.send(job)
            report.requeued.append(doc.doc_id)
        else:
            ingestor.fail(job, stuck_reason(stuck_after_s))
            report.failed.append(doc.doc_id)
    if report.requeued or report.failed:
        log.warning("stuck documents: %s", report)
    return report


def _all_documents(registry: Registry) -> Iterator[Document]:
    cursor = None
    while True:
        page = registry.list(None, cursor=cursor, limit=500)
        yield from page.items
        if not (cursor := page.next_cursor):
            return


# --- retired tables and the approximate index (issue 14) -------------------------------------


def drop_retired_tables(
    db: Any, *, default: str, retention_s: float, now: float | None = None
) -> list[str]:
    """Drop the tables replaced by a switch (``rag reindex --all``) more than ``retention_s``
    ago: processes that still used them have followed the switch by then."""
    now = time.time() if now is None else now
    existing = set(db.table_names())
    dropped = []
    for name, replaced_at in retired_since(db, default).items():
        if name in existing and now - replaced_at >= retention_s:
            db.drop_table(name)
            dropped.append(name)
    if dropped:
        log.info("dropped retired tables %s", dropped)
    return dropped


@dataclass(frozen=True)
class UpkeepReport:
    """What ``run_upkeep`` did besides compaction."""

    stuck: StuckReport
    dropped_tables: list[str]


def run_upkeep(services: Services, *, retention_s: float | None = None) -> UpkeepReport:
    """The ingestion side of a maintenance pass: stuck documents, and retired tables older
    than ``retention_s`` (default: the settings' maintenance retention)."""
    settings = services.settings
    if retention_s is None:
        retention_s = settings.maintenance_retention_s
    stuck = sweep_stuck(
        services.registry,
        services.queue,
        services.ingestor,
        stuck_after_s=settings.stuck_after_s,
    )
    dropped = drop_retired_tables(
        open_db(settings), default=settings.table_name, retention_s=retention_s
    )
    return UpkeepReport(stuck, dropped)
