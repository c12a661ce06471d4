"""Rebuilding the whole vector index, for example with another embedding model: a new table is
filled from the stored documents while the old one keeps serving, and the catalog switches to
it only when every document is in it."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from llama_index.core.base.embeddings.base import BaseEmbedding

from service.catalog import activate, active_table_name
from service.config import Settings
from service.errors import Conflict, NotFound, RagError
from service.ingestion import ParseFn, index_document
from service.lance_table import open_table
from service.models import Document, DocumentStatus, IngestReport
from service.ports import BlobStore, Registry
from service.vectors import ChunkStore
from service.wiring import open_db, parser_for

log = logging.getLogger(__name__)


@dataclass
class RebuildReport:
    """What a rebuild did."""

    old_table: str
    new_table: str
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    failed: dict[str, str] = field(default_factory=dict)


def indexed_documents(registry: Registry) -> Iterator[Document]:
    """Every INDEXED document of every owner."""
    cursor = None
    while True:
        page = registry.list(None, cursor=cursor, limit=500)
        yield from (d for d in page.items if d.status is DocumentStatus.INDEXED)
        if not (cursor := page.next_cursor):
            return


def rebuild_index(
    settings: Settings,
    *,
    registry: Registry,
    blobs: BlobStore,
    embed_model: BaseEmbedding,
    model_id: str,
    dim: int,
    parse_fn: ParseFn | None = None,
    on_document: Callable[[Document], None] | None = None,
) -> RebuildReport:
    """Fill a new table with ``embed_model`` and activate it once complete.

    Documents are parsed as ingestion parses them (``parse_fn`` defaults to the sandboxed
    parser: the same memory and time caps). Documents indexed or re-indexed while the rebuild
    runs are picked up by further passes.
    Raises ``Unprocessable`` (and activates nothing) if any document cannot be indexed.
    """
    started = time.monotonic()
    db = open_db(settings)
    slug = re.sub(r"[^a-z0-9]+", "-", model_id.lower()).strip("-")
    report = RebuildReport(
        active_table_name(db, settings.table_name),
        f"{settings.table_name}-{slug}-{int(time.time())}-{uuid.uuid4().hex[:6]}",  # unique per run
    )
    store = ChunkStore(open_table(db, report.new_table, model_id=model_id, dim=dim))
    limits = settings.limits
    parse_fn = parse_fn or parser_for(settings)
    done: dict[str, tuple[int, int, IngestReport | None]] = {}  # doc_id -> version, chunks, report
    while todo := [
        d for d in indexed_documents(registry) if done.get(d.doc_id, (0,))[0] != d.version
    ]:
        for doc in todo:
            try:
                indexed = index_document(
                    doc,
                    blobs=blobs,
                    store=store,
                    embed_model=embed_model,
                    limits=limits,
                    parse_fn=parse_fn,
                )
            except RagError as exc:
                report.failed[doc.doc_id] = exc.message
                done[doc.doc_id] = (doc.version, 0, None)
                continue
            done[doc.doc_id] = (doc.version, indexed.chunks, indexed.report)
            if on_document:
                on_document(doc)
    if report.failed:
        raise RebuildFailed(report)
    present = {d.doc_id for d in indexed_documents(registry)}
    for doc_id in set(done) - present:  # deleted while we were copying
        store.delete(doc_id)
    activate(db, report.new_table, model_id=model_id, dim=dim)
    _record_chunk_counts(registry, done)
    report.documents = len(present)
    report.chunks = sum(chunks for doc_id, (_, chunks, _) in done.items() if doc_id in present)
    report.seconds = time.monotonic() - started
    return report


class RebuildFailed(RagError):
    """Some documents could not be indexed into the new table; nothing was switched."""

    def __init__(self, report: RebuildReport) -> None:
        super().__init__(
            f"{len(report.failed)} documents could not be re-indexed; "
            f"table {report.old_table} stays active"
        )
        self.report = report


def _record_chunk_counts(
    registry: Registry, done: dict[str, tuple[int, int, IngestReport | None]]
) -> None:
    for doc_id, (version, chunks, ingest_report) in done.items():
        try:
            registry.transition(
                doc_id,
                expect_status=[DocumentStatus.INDEXED],
                expect_version=version,
                status=DocumentStatus.INDEXED,
                chunks=chunks,
                report=ingest_report,  # the counts and timings of the new table
            )
        except (Conflict, NotFound):
            log.info("document %s changed during the rebuild", doc_id)
