"""Ingestion of one job: load bytes, detect type, parse with pages, chunk, embed in batches,
replace the document's rows in one commit, mark INDEXED and notify the owner."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.ingestion import IngestionPipeline

from service.chunking import ChunkNumberer, page_documents, sentence_splitter
from service.errors import Conflict, RagError, TooLarge, Unavailable
from service.models import Document, DocumentEvent, DocumentStatus, IngestJob, IngestReport
from service.options import IngestLimits as IngestLimits  # its home before options
from service.parsing import DocType, Page, check_name_matches, detect_type, parse
from service.ports import BlobStore, Notifier, Registry
from service.telemetry import IngestRecord, NullRecorder, Recorder
from service.vectors import ChunkStore

log = logging.getLogger(__name__)

ParseFn = Callable[[bytes, DocType, int], list[Page]]
_RUNNABLE = (DocumentStatus.QUEUED, DocumentStatus.PROCESSING)
_MAX_PAGE_WARNINGS = 20  # one warning per page up to this many, then a count


class Outcome(StrEnum):
    """What processing a job did."""

    INDEXED = "indexed"
    FAILED = "failed"
    SKIPPED = "skipped"  # stale, duplicate or for a deleted document


class Ingestor:
    """Processes ingestion jobs. Idempotent: a repeated or stale job changes nothing."""

    def __init__(
        self,
        *,
        registry: Registry,
        blobs: BlobStore,
        store: ChunkStore,
        embed_model: BaseEmbedding,
        notifier: Notifier,
        limits: IngestLimits,
        parse_fn: ParseFn | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self._recorder: Recorder = recorder or NullRecorder()
        self._registry = registry
        self._blobs = blobs
        self._store = store
        self._embed = embed_model
        self._notifier = notifier
        self._limits = limits
        self._parse: ParseFn = parse_fn or _parse_inline

    def process(self, job: IngestJob, *, final_attempt: bool = False) -> Outcome:
        """Run one job. Document errors end FAILED; transient errors raise ``Unavailable`` (or
        anything unexpected) so the queue retries, except on the ``final_attempt``. Each job
        that runs is measured (outcome, duration) and handed to the recorder."""
        doc = self._registry.get(job.doc_id)
        if doc is None or doc.version != job.version or doc.status not in _RUNNABLE:
            log.info("skipping job", extra={"doc_id": job.doc_id, "version": job.version})
            return Outcome.SKIPPED
        started, outcome = time.monotonic(), "retry"
        try:
            result = self._run(doc, final_attempt)
            outcome = result.value
            return result
        finally:
            elapsed = time.monotonic() - started
            self._recorder.ingestion(
                IngestRecord(owner=doc.owner, outcome=outcome, seconds=elapsed)
            )

    def _run(self, doc: Document, final_attempt: bool) -> Outcome:
        try:
            doc = self._transition(doc, DocumentStatus.PROCESSING, _RUNNABLE)
        except Conflict:
            return Outcome.SKIPPED
        try:
            indexed = self._index(doc)
        except RagError as exc:
            if isinstance(exc, Unavailable) and not final_attempt:
                raise
            return self._fail(doc, exc.message)
        except Exception as exc:  # job boundary: one bad document never takes the worker down
            if not final_attempt:
                raise
            log.exception("ingestion failed", extra={"doc_id": doc.doc_id})
            return self._fail(doc, f"processing failed repeatedly ({type(exc).__name__})")
        try:
            self._transition(
                doc,
                DocumentStatus.INDEXED,
                (DocumentStatus.PROCESSING,),
                chunks=indexed.chunks,
                pages=indexed.pages,
                content_type=indexed.content_type,
                size=indexed.size,  # what was indexed, whatever the upload declared
                sha256=indexed.sha256,
                report=indexed.report,
                error=None,
            )
        except (Conflict, RagError):
            self._drop_rows_if_gone(doc)
            return Outcome.SKIPPED
        return Outcome.INDEXED

    def fail(self, job: IngestJob, reason: str) -> None:
        """Mark a job's document FAILED (a dead-lettered job); stale jobs are ignored."""
        doc = self._registry.get(job.doc_id)
        if doc is None or doc.version != job.version or doc.status not in _RUNNABLE:
            return
        self._fail(doc, reason)

    def _index(self, doc: Document) -> Indexed:
        return index_document(
            doc,
            blobs=self._blobs,
            store=self._store,
            embed_model=self._embed,
            limits=self._limits,
            parse_fn=self._parse,
        )

    def _fail(self, doc: Document, reason: str) -> Outcome:
        try:
            self._store.delete(doc.doc_id)
            self._transition(
                doc, DocumentStatus.FAILED, _RUNNABLE, error=reason, chunks=0, report=None
            )
        except Conflict:
            return Outcome.SKIPPED
        return Outcome.FAILED

    def _drop_rows_if_gone(self, doc: Document) -> None:
        current = self._registry.get(doc.doc_id)
        failed_meanwhile = (  # e.g. by maintenance while this attempt was still running
            current is not None
            and current.status is DocumentStatus.FAILED
            and current.version == doc.version
        )
        if current is None or current.status is DocumentStatus.DELETING or failed_meanwhile:
            self._store.delete(doc.doc_id)

    def _transition(
        self,
        doc: Document,
        status: DocumentStatus,
        expect: tuple[DocumentStatus, ...],
        **changes: Any,
    ) -> Document:
        updated = self._registry.transition(
            doc.doc_id, expect_status=expect, expect_version=doc.version, status=status, **changes
        )
        self._notifier.publish(
            updated.owner,
            DocumentEvent(doc_id=updated.doc_id, status=updated.status, error=updated.error),
        )
        return updated


@dataclass(frozen=True)
class Indexed:
    """What ``index_document`` wrote, and the bytes it read (so the registry records those)."""

    chunks: int
    pages: int | None
    content_type: str
    size: int
    sha256: str
    report: IngestReport


def index_document(
    doc: Document,
    *,
    blobs: BlobStore,
    store: ChunkStore,
    embed_model: BaseEmbedding,
    limits: IngestLimits,
    parse_fn: ParseFn | None = None,
) -> Indexed:
    """Read, check, parse, chunk and embed one document, then replace its rows in ``store`` in
    one commit. No registry change."""
    data = blobs.read(doc.blob_key, max_bytes=limits.max_bytes)
    if len(data) > limits.max_bytes:
        raise TooLarge(f"file is larger than the limit of {limits.max_bytes} bytes")
    started = time.monotonic()
    doc_type = detect_type(data, doc.filename)
    check_name_matches(doc.filename, doc_type)
    pages = (parse_fn or _parse_inline)(data, doc_type, limits.max_pages)
    parsed = time.monotonic()
    splitter = IngestionPipeline(
        transformations=[
            sentence_splitter(limits.chunk_size, limits.chunk_overlap),
            ChunkNumberer(),
        ]
    )
    with_text = [p for p in pages if p.text]
    nodes = splitter.run(documents=page_documents(doc, with_text), num_workers=None)
    split = time.monotonic()
    nodes = embed_model(nodes)
    store.replace_document(doc.doc_id, nodes)
    page_count = len(pages) if doc_type is DocType.PDF else None
    report = ingest_report(
        pages, page_count, len(nodes), parsed - started, time.monotonic() - split
    )
    return Indexed(
        len(nodes), page_count, doc_type.value, len(data), hashlib.sha256(data).hexdigest(), report
    )


def ingest_report(
    pages: list[Page], page_count: int | None, chunks: int, parse_s: float, embed_s: float
) -> IngestReport:
    """The owner-facing summary of one ingestion, with a warning per page without text."""
    empty = [p.number for p in pages if not p.text and p.number is not None]
    warnings = [f"page {n} has no text layer: scanned?" for n in empty[:_MAX_PAGE_WARNINGS]]
    if len(empty) > _MAX_PAGE_WARNINGS:
        warnings.append(f"{len(empty) - _MAX_PAGE_WARNINGS} more pages have no text layer")
    return IngestReport(
        pages=page_count,
        pages_without_text=empty,
        chunks=chunks,
        parse_s=round(parse_s, 3),
        embed_s=round(embed_s, 3),
        warnings=warnings,
    )


def _parse_inline(data: bytes, doc_type: DocType, max_pages: int) -> list[Page]:
    return parse(data, doc_type, max_pages=max_pages)
