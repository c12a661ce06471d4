"""Document administration: create (upload), list, inspect, re-index and delete, with the
ownership rules applied in one place."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from service.errors import Conflict, NotFound, TooLarge
from service.models import Document, DocumentPage, DocumentStatus, IngestJob
from service.naming import normalize_filename, validate_user_id
from service.ports import BlobStore, ChunkRows, JobQueue, Principal, Registry


def blob_key(owner: str, doc_id: str) -> str:
    """The server-built storage key of a document's bytes."""
    return f"documents/{validate_user_id(owner)}/{doc_id}"


class DocumentService:
    """Everything an API or CLI can do with documents."""

    def __init__(
        self,
        *,
        registry: Registry,
        blobs: BlobStore,
        queue: JobQueue,
        store: ChunkRows,
        max_bytes: int,
    ) -> None:
        self._registry = registry
        self._blobs = blobs
        self._queue = queue
        self._store = store
        self.max_bytes = max_bytes

    def create(
        self, owner: str, filename: str, *, size: int | None = None, content_type: str | None = None
    ) -> Document:
        """Register a document awaiting its bytes (status UPLOADING)."""
        if size is not None and size > self.max_bytes:
            raise TooLarge(f"file is larger than the limit of {self.max_bytes} bytes")
        doc_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        doc = Document(
            doc_id=doc_id,
            owner=validate_user_id(owner),
            filename=normalize_filename(filename),
            content_type=content_type,
            size=size,
            blob_key=blob_key(owner, doc_id),
            status=DocumentStatus.UPLOADING,
            created_at=now,
            updated_at=now,
            version=1,
        )
        self._registry.create(doc)
        return doc

    def receive_bytes(self, doc: Document, chunks: Iterable[bytes]) -> Document:
        """Stream the bytes of an UPLOADING document to the blob store and queue it."""
        if doc.status is not DocumentStatus.UPLOADING:
            raise Conflict("this document has already been uploaded")
        try:
            stored = self._blobs.put(doc.blob_key, chunks, max_bytes=self.max_bytes)
        except TooLarge as exc:
            self.fail_upload(doc.doc_id, exc.message)
            raise
        return self.mark_uploaded(doc.doc_id, size=stored.size, sha256=stored.sha256)

    def fail_upload(self, doc_id: str, reason: str) -> None:
        """An upload was refused: UPLOADING -> FAILED with the reason (never left dangling)."""
        current = self._registry.get(doc_id)
        if current is None or current.status is not DocumentStatus.UPLOADING:
            return
        with suppress(Conflict):  # another request finished it meanwhile
            self._registry.transition(
                doc_id,
                expect_status=[DocumentStatus.UPLOADING],
                expect_version=current.version,
                status=DocumentStatus.FAILED,
                error=f"upload refused: {reason}",
            )

    def mark_uploaded(
        self, doc_id: str, *, size: int | None = None, sha256: str | None = None
    ) -> Document:
        """UPLOADING -> QUEUED, and send the ingestion job."""
        current = self._require(doc_id)
        changes: dict[str, Any] = {"size": size} if size is not None else {}
        if sha256:
            changes["sha256"] = sha256
        doc = self._registry.transition(
            doc_id,
            expect_status=[DocumentStatus.UPLOADING],
            expect_version=current.version,
            status=DocumentStatus.QUEUED,
            **changes,
        )
        self._queue.send(IngestJob(doc_id=doc.doc_id, version=doc.version))
        return doc

    def add(self, owner: str, filename: str, data: bytes) -> Document:
        """Create and upload in one step (CLI, notebooks)."""
        doc = self.create(owner, filename, size=len(data))
        return self.receive_bytes(doc, [data])

    def get(self, who: Principal, doc_id: str) -> Document:
        """A document the caller may see; others' are ``NotFound`` (existence is not revealed)."""
        doc = self._registry.get(doc_id)
        if doc is None or not (who.is_admin or doc.owner == who.user_id):
            raise NotFound("document not found")
        return doc

    def list(
        self, who: Principal, *, all_users: bool = False, cursor: str | None = None, limit: int = 50
    ) -> DocumentPage:
        """The caller's documents; admins may list everyone's."""
        owner = None if (all_users and who.is_admin) else who.user_id
        return self._registry.list(owner, cursor=cursor, limit=limit)

    def reindex(self, who: Principal, doc_id: str) -> Document:
        """INDEXED | FAILED -> QUEUED with a new version, and send the job."""
        doc = self.get(who, doc_id)
        updated = self._registry.transition(
            doc_id,
            expect_status=[DocumentStatus.INDEXED, DocumentStatus.FAILED],
            expect_version=doc.version,
            status=DocumentStatus.QUEUED,
            bump_version=True,
            error=None,
        )
        self._queue.send(IngestJob(doc_id=doc_id, version=updated.version))
        return updated

    def delete(self, who: Principal, doc_id: str) -> None:
        """Remove vectors, bytes and record. Safe to repeat after a crash mid-way."""
        doc = self.get(who, doc_id)
        if doc.status is not DocumentStatus.DELETING:
            doc = self._registry.transition(
                doc_id,
                expect_status=[s for s in DocumentStatus if s is not DocumentStatus.DELETING],
                expect_version=doc.version,
                status=DocumentStatus.DELETING,
            )
        self._store.delete(doc_id)
        self._blobs.delete(doc.blob_key)
        if doc.blob_key != (upload_key := blob_key(doc.owner, doc_id)):
            self._blobs.delete(upload_key)  # a replayed upload whose removal is still queued
        self._registry.delete(doc_id)

    def _require(self, doc_id: str) -> Document:
        doc = self._registry.get(doc_id)
        if doc is None:
            raise NotFound("document not found")
        return doc
