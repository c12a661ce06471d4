"""Storage maintenance: compact the vector table, fold new rows into its indexes, and delete
table versions older than the retention window (so deleted text leaves the disk)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from service.catalog import retired_since
from service.ingestion import Ingestor
from service.lance_table import VECTOR_INDEX, ensure_vector_index
from service.models import Document, DocumentStatus, IngestJob
from service.ports import JobQueue, Registry
from service.vectors import ChunkStore
from service.wiring import Services, open_db

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
    if table is None:  # lancedb types it optional; the service always opens one
        raise RuntimeError("the vector store has no table")
    before = len(table.list_versions())
    clustered = cluster_by_owner(table, max_runs_per_owner=cluster_max_runs_per_owner)
    built = ensure_vector_index(table, min_rows=vector_index_min_rows)
    table.optimize(cleanup_older_than=timedelta(seconds=retention_s))
    after = len(table.list_versions())
    report = MaintenanceReport(before, after, time.monotonic() - started, built, clustered)
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


INDEX_BUILDS = "rag_index_builds"  # one row per build of a table's approximate vector index
_BUILDS_SCHEMA = pa.schema(
    [
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("rows", pa.int64(), nullable=False),
        pa.field("built_at", pa.float64(), nullable=False),
    ]
)


def retrain_vector_index(db: Any, table: Any, *, growth: float = 2.0) -> bool:
    """Rebuild the approximate vector index once the table has ``growth`` times the rows it
    was trained on: ``optimize`` folds new rows into the existing partitions but never moves
    their centroids, so recall drifts as the table grows. The old index serves until the new
    one commits. Returns whether it was rebuilt now."""
    from lancedb.index import IvfHnswSq

    if VECTOR_INDEX not in {index.name for index in table.list_indices()}:
        return False
    builds = _builds(db)
    rows = int(table.count_rows())
    trained = _trained_rows(builds, table.name)
    if trained is None:  # built before builds were recorded: its size then is unknown
        builds.add([{"table_name": table.name, "rows": rows, "built_at": time.time()}])
        return False
    if rows < growth * trained:
        return False
    partitions = max(1, int(rows**0.5 / 10))  # the rule of lance_table.ensure_vector_index
    table.create_index(
        "vector",
        config=IvfHnswSq(distance_type="cosine", num_partitions=partitions),
        name=VECTOR_INDEX,
        replace=True,
    )
    builds.add([{"table_name": table.name, "rows": rows, "built_at": time.time()}])
    log.info("vector index of %s retrained: %d -> %d rows", table.name, trained, rows)
    return True


def _builds(db: Any) -> Any:
    try:
        return db.open_table(INDEX_BUILDS)
    except (ValueError, FileNotFoundError):
        return db.create_table(INDEX_BUILDS, schema=_BUILDS_SCHEMA, exist_ok=True)


def _trained_rows(builds: Any, table_name: str) -> int | None:
    rows = [r for r in builds.to_arrow().to_pylist() if r["table_name"] == table_name]
    return int(max(rows, key=lambda r: r["built_at"])["rows"]) if rows else None


@dataclass(frozen=True)
class UpkeepReport:
    """What ``run_upkeep`` did besides compaction."""

    stuck: StuckReport
    dropped_tables: list[str]
    vector_index_retrained: bool = False
    conversations_purged: int = 0  # expired conversation rows deleted (locally; TTL on AWS)


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
    db = open_db(settings)
    dropped = drop_retired_tables(db, default=settings.table_name, retention_s=retention_s)
    retrained = retrain_vector_index(db, services.store.table)
    purged = services.conversations.purge()  # issue 15: conversation retention
    return UpkeepReport(stuck, dropped, retrained, purged)


# --- layout: one owner's rows together -------------------------------------------------------
# A question reads one owner's rows. Ingestion appends each document where it lands, so an
# owner's rows end up scattered over the data files and, on S3, a filtered search pays one
# ranged GET per scattered run (docs/benchmarks.md, "LanceDB on S3"). Clustering rewrites the
# rows ordered by owner so each owner's rows are one contiguous range.

CLUSTER_BATCH_ROWS = 20_000  # rows rewritten per commit: ~50 MB of 384-d chunks in memory


def owner_runs(table: Any) -> tuple[int, int]:
    """(runs, owners): how many maximal runs of equal ``owner`` the data files hold in scan
    order, and how many owners there are (runs == owners means perfectly clustered)."""
    column = table.to_lance().to_table(columns=["owner"]).column("owner")
    if len(column) == 0:
        return 0, 0
    values = column.to_numpy(zero_copy_only=False)
    runs = 1 + int(np.count_nonzero(values[1:] != values[:-1]))
    return runs, int(pc.count_distinct(column).as_py())


_SORT_KEY = [("owner", "ascending"), ("doc_id", "ascending"), ("chunk_index", "ascending")]


def cluster_by_owner(
    table: Any, *, max_runs_per_owner: float, batch_rows: int = CLUSTER_BATCH_ROWS
) -> bool:
    """Rewrite the rows ordered by (owner, doc_id, chunk_index) when owners' rows lie in more
    than ``max_runs_per_owner`` runs on average (0: never). Returns whether it rewrote.

    Streams: only the sort key is read whole; full rows are read and rewritten ``batch_rows``
    at a time, in order (successive commits append successive fragments, so an owner's rows
    stay contiguous across batches). Every batch comes from one version of the table and is one
    ``merge_insert`` that updates rows still equal to what was read: a document deleted
    meanwhile is not brought back, and one re-indexed meanwhile keeps its new rows (their text
    differs; equal text makes equal rows). New documents stay unclustered until next time.
    """
    if max_runs_per_owner <= 0:
        return False
    runs, owners = owner_runs(table)
    if owners == 0 or runs <= owners * max_runs_per_owner:
        return False
    snapshot = table.to_lance()  # one version: offsets below stay valid while we read
    keys = snapshot.to_table(columns=[name for name, _ in _SORT_KEY])
    keys = keys.append_column("offset", pa.array(np.arange(keys.num_rows), pa.int64()))
    order = keys.sort_by(_SORT_KEY).column("offset")
    for start in range(0, len(order), batch_rows):
        offsets = order.slice(start, batch_rows)
        rows = snapshot.take(offsets).append_column("offset", offsets)
        rows = rows.sort_by(_SORT_KEY).drop_columns(["offset"])  # take's order is not promised
        rewrite_in_order(table, rows)
    log.info("clustered %d rows of %d owners (%d runs before)", len(order), owners, runs)
    return True


def rewrite_in_order(table: Any, rows: pa.Table) -> None:
    """Rewrite the table's rows that still equal ``rows`` (by id, text and owner), in the order
    of ``rows``, in one commit; rows changed or deleted since ``rows`` was read are left alone."""
    (
        table.merge_insert("id")
        .when_matched_update_all(where="target.text = source.text AND target.owner = source.owner")
        .execute(rows)
    )
