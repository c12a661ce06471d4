"""Storage maintenance: compact the vector table, fold new rows into its indexes, and delete
table versions older than the retention window (so deleted text leaves the disk)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from service.vectors import ChunkStore, ensure_vector_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaintenanceReport:
    """What one maintenance run did."""

    versions_before: int
    versions_after: int
    seconds: float
    vector_index_built: bool = False
    clustered: bool = False


def run_maintenance(
    store: ChunkStore,
    *,
    retention_s: float,
    vector_index_min_rows: int = 50_000,
    cluster_max_runs_per_owner: float = 0.0,
) -> MaintenanceReport:
    """LanceDB ``optimize`` (compaction, new rows folded into every index) with version cleanup
    older than ``retention_s`` seconds, the vector index once the table is large enough, and
    (when ``cluster_max_runs_per_owner`` > 0) the rows clustered by owner.

    Never uses ``delete_unverified``, so it is safe while other writers run.
    """
    started = time.monotonic()
    table = store.table
    assert table is not None
    before = len(table.list_versions())
    clustered = cluster_by_owner(table, max_runs_per_owner=cluster_max_runs_per_owner)
    built = ensure_vector_index(table, min_rows=vector_index_min_rows)
    table.optimize(cleanup_older_than=timedelta(seconds=retention_s))
    after = len(table.list_versions())
    report = MaintenanceReport(before, after, time.monotonic() - started, built, clustered)
    log.info("maintenance done: %s", report)
    return report


# --- layout: one owner's rows together -------------------------------------------------------
# A question reads one owner's rows. Ingestion appends each document where it lands, so an
# owner's rows end up scattered over the data files and, on S3, a filtered search pays one
# ranged GET per scattered run (docs/benchmarks.md, "LanceDB on S3"). Clustering rewrites the
# rows ordered by owner so each owner's rows are one contiguous range.


def owner_runs(table: Any) -> tuple[int, int]:
    """(runs, owners): how many maximal runs of equal ``owner`` the data files hold in scan
    order, and how many owners there are (runs == owners means perfectly clustered)."""
    column = table.to_lance().to_table(columns=["owner"]).column("owner")
    if len(column) == 0:
        return 0, 0
    values = column.to_numpy(zero_copy_only=False)
    runs = 1 + int(np.count_nonzero(values[1:] != values[:-1]))
    return runs, int(pc.count_distinct(column).as_py())


def cluster_by_owner(table: Any, *, max_runs_per_owner: float) -> bool:
    """Rewrite the rows ordered by (owner, doc_id, chunk_index) when owners' rows lie in more
    than ``max_runs_per_owner`` runs on average (0: never). Returns whether it rewrote.

    One ``merge_insert`` that updates rows still equal to what was read: a document deleted
    meanwhile is not brought back, and one re-indexed meanwhile keeps its new rows (their text
    differs; equal text makes equal rows). New documents simply stay unclustered until next time.
    """
    if max_runs_per_owner <= 0:
        return False
    runs, owners = owner_runs(table)
    if owners == 0 or runs <= owners * max_runs_per_owner:
        return False
    rows = table.to_arrow().sort_by(
        [("owner", "ascending"), ("doc_id", "ascending"), ("chunk_index", "ascending")]
    )
    rewrite_in_order(table, rows)
    log.info("clustered %d rows of %d owners (%d runs before)", rows.num_rows, owners, runs)
    return True


def rewrite_in_order(table: Any, rows: pa.Table) -> None:
    """Rewrite the table's rows that still equal ``rows`` (by id, text and owner), in the order
    of ``rows``, in one commit; rows changed or deleted since ``rows`` was read are left alone."""
    (
        table.merge_insert("id")
        .when_matched_update_all(where="target.text = source.text AND target.owner = source.owner")
        .execute(rows)
    )
