"""Storage maintenance: compact the vector table, fold new rows into its indexes, and delete
table versions older than the retention window (so deleted text leaves the disk)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from service.vectors import ChunkStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaintenanceReport:
    """What one maintenance run did."""

    versions_before: int
    versions_after: int
    seconds: float


def run_maintenance(store: ChunkStore, *, retention_s: float) -> MaintenanceReport:
    """LanceDB ``optimize`` with version cleanup older than ``retention_s`` seconds.

    Never uses ``delete_unverified``, so it is safe while other writers run.
    """
    started = time.monotonic()
    table = store.table
    assert table is not None
    before = len(table.list_versions())
    table.optimize(cleanup_older_than=timedelta(seconds=retention_s))
    after = len(table.list_versions())
    report = MaintenanceReport(before, after, time.monotonic() - started)
    log.info("maintenance done: %s", report)
    return report
