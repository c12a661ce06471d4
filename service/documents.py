"""Document administration: create (upload), list, inspect, re-index and delete, with the
ownership rules applied in one place."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from service import sharing
from service.errors import Conflict, Forbidden, NotFound, TooLarge
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
        quota: Quota | None = None,
    ) -> None:
        self._registry = registry
        self._blobs = blobs
        self._queue = queue
        self._store = store
        self.max_bytes = max_bytes
        self.quota = quota or Quota()

    def create(
        self, owner: str, filename: str, *, size: int | None = None, content_type: str | None = None
    ) -> Document:
        """Register a document awaiting its bytes (status UPLOADING)."""
        if size is not None and size > self.max_bytes:
            raise TooLarge(f"file is larger than the limit of {self.max_bytes} bytes")
        self._check_quota(owner, size or 0)
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
        limit = min(self.max_bytes, self._bytes_left(doc.owner, doc.doc_id))
        try:
            stored = self._blobs.put(doc.blob_key, chunks, max_bytes=limit)
        except TooLarge as exc:
            self.fail_upload(doc.doc_id, exc.message)
            raise
        try:
            return self.mark_uploaded(doc.doc_id, size=stored.size, sha256=stored.sha256)
        except (NotFound, Conflict):  # deleted (or restarted) while its bytes arrived
            self._blobs.delete(doc.blob_key)
            raise

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
        """A document the caller may read (theirs, or shared with one of their groups);
        others' are ``NotFound`` (existence is not revealed)."""
        doc = self._registry.get(doc_id)
        if doc is None or not sharing.may_read(who, doc):
            raise NotFound("document not found")
        return doc

    def owned(self, who: Principal, doc_id: str) -> Document:
        """A document the caller may change (delete, re-index, share): theirs, or any for an
        administrator. ``Forbidden`` if it is only shared with them, ``NotFound`` if unseen."""
        doc = self.get(who, doc_id)
        if not (who.is_admin or doc.owner == who.user_id):
            raise Forbidden("only the owner of a shared document may change it")
        return doc

    def list(
        self,
        who: Principal,
        *,
        all_users: bool = False,
        cursor: str | None = None,
        limit: int = 50,
        shared: bool = False,
    ) -> DocumentPage:
        """The caller's documents; admins may list everyone's; ``shared`` lists the documents
        others shared with the caller's groups instead."""
        if shared:
            return sharing.list_shared(self._registry, who, cursor=cursor, limit=limit)
        owner = None if (all_users and who.is_admin) else who.user_id
        return self._registry.list(owner, cursor=cursor, limit=limit)

    def share(self, who: Principal, doc_id: str, groups: Collection[str]) -> Document:
        """Share the document read-only with exactly ``groups`` (empty: with nobody)."""
        names = sharing.clean_groups(groups)
        self.owned(who, doc_id)
        return self._registry.share(doc_id, names)

    def reindex(self, who: Principal, doc_id: str) -> Document:
        """INDEXED | FAILED -> QUEUED with a new version, and send the job."""
        doc = self.owned(who, doc_id)
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
        doc = self.owned(who, doc_id)
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

    # --- quotas and uploads that never arrive (issue 13) ---------------------------------------

    def _usage(self, owner: str, *, excluding: str | None = None) -> tuple[int, int]:
        """(documents, bytes) of ``owner``, from the registry."""
        count = total = 0
        cursor: str | None = None
        while True:
            page = self._registry.list(owner, cursor=cursor, limit=1000)
            for doc in page.items:
                if doc.doc_id != excluding:
                    count, total = count + 1, total + (doc.size or 0)
            if not (cursor := page.next_cursor):
                return count, total

    def _check_quota(self, owner: str, size: int) -> None:
        if self.quota.documents is None and self.quota.bytes is None:
            return
        count, total = self._usage(owner)
        if self.quota.documents is not None and count >= self.quota.documents:
            raise Forbidden(f"document quota reached ({self.quota.documents} documents)")
        if self.quota.bytes is not None and total + size > self.quota.bytes:
            raise TooLarge(f"storage quota reached ({self.quota.bytes} bytes)")

    def _bytes_left(self, owner: str, doc_id: str) -> int:
        if self.quota.bytes is None:
            return self.max_bytes
        return max(0, self.quota.bytes - self._usage(owner, excluding=doc_id)[1])

    def expire_uploads(self, *, now: datetime | None = None) -> int:
        """UPLOADING documents whose upload URL expired more than the grace period ago end
        FAILED ("upload never arrived"); returns how many. Run by scheduled maintenance."""
        cutoff = (now or datetime.now(UTC)) - timedelta(seconds=self.quota.upload_deadline_s)
        expired, cursor = 0, None
        while True:
            page = self._registry.list(None, cursor=cursor, limit=1000)
            for doc in page.items:
                if doc.status is DocumentStatus.UPLOADING and doc.updated_at < cutoff:
                    with suppress(Conflict, NotFound):  # it arrived (or went) meanwhile
                        self._registry.transition(
                            doc.doc_id,
                            expect_status=[DocumentStatus.UPLOADING],
                            expect_version=doc.version,
                            status=DocumentStatus.FAILED,
                            error=UPLOAD_NEVER_ARRIVED,
                        )
                        expired += 1
            if not (cursor := page.next_cursor):
                return expired

    def restart_upload(self, who: Principal, doc_id: str) -> Document:
        """A document whose bytes never arrived (or were refused) awaits them again, as a new
        version; the caller then gets a fresh upload target."""
        doc = self.owned(who, doc_id)
        failed_upload = doc.status is DocumentStatus.FAILED and (doc.error or "").startswith(
            ("upload", UPLOAD_NEVER_ARRIVED)
        )
        if doc.status is not DocumentStatus.UPLOADING and not failed_upload:
            raise Conflict("this document's bytes have already arrived")
        self._blobs.delete(doc.blob_key)  # a partial earlier attempt
        return self._registry.transition(
            doc_id,
            expect_status=[doc.status],
            expect_version=doc.version,
            status=DocumentStatus.UPLOADING,
            bump_version=True,
            error=None,
        )


UPLOAD_NEVER_ARRIVED = "upload never arrived"


@dataclass(frozen=True)
class Quota:
    """Per-person limits (None: unlimited) and when a missing upload is given up."""

    documents: int | None = None
    bytes: int | None = None
    upload_deadline_s: float = 900 + 600
