"""Storage maintenance: compact the vector table, fold new rows into its indexes, and delete
table versions older than the retention window (so deleted text leaves the disk)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from service.vectors import ChunkStore, ensure_vector_index

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
    assert table is not None
    before = len(table.list_versions())
    built = ensure_vector_index(table, min_rows=vector_index_min_rows)
    table.optimize(cleanup_older_than=timedelta(seconds=retention_s))
    after = len(table.list_versions())
    report = MaintenanceReport(before, after, time.monotonic() - started, built)
    log.info("maintenance done: %s", report)
    return report
