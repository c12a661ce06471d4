"""Arrival of browser uploads on AWS, so the stored bytes and the index never disagree.

A presigned POST stays usable until it expires, so the object at the upload key
(``documents/{owner}/{doc_id}``) can be replaced at any time, even after indexing. The bytes are
therefore never read from there: on arrival they are copied to a key no upload target can write
(``stored/{owner}/{doc_id}/{attempt}``, a fresh attempt id per arrival), the registry records
that key in the same conditional transition that queues the document, and the upload object is
removed. A later POST (a replay) finds the document past UPLOADING: its object is removed and
nothing else changes. Two arrivals racing each other copy to different keys; only the one whose
transition wins is recorded, the loser's copy is removed.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol, runtime_checkable

from service.errors import Conflict, NotFound
from service.models import Document, DocumentStatus, IngestJob
from service.ports import Registry

log = logging.getLogger(__name__)

UPLOAD_PREFIX = "documents/"  # written by presigned POSTs; notifies ingestion
STORED_PREFIX = "stored/"  # written by the service only; never notifies
_RUNNABLE = (DocumentStatus.QUEUED, DocumentStatus.PROCESSING)


@runtime_checkable
class UploadBucket(Protocol):
    """What arrival needs of a blob store: a server-side copy and a delete."""

    def copy(self, source: str, target: str) -> int:
        """Copy ``source`` to ``target``; return the copy's size. ``NotFound`` if absent."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; absent is not an error."""
        ...


def stored_key(doc: Document) -> str:
    """A fresh key for one arrival of ``doc``'s bytes, outside every upload target's reach."""
    return f"{STORED_PREFIX}{doc.owner}/{doc.doc_id}/{uuid.uuid4().hex}"


def accept_upload(registry: Registry, bucket: UploadBucket, key: str) -> IngestJob | None:
    """Handle an object created under ``key``; return the ingestion job to run, if any.

    Objects that belong to no document, or arrive after the document's bytes were accepted,
    are removed (never indexed, never read).
    """
    doc = document_of_upload(registry, key)
    if doc is None:
        log.warning("upload of an unknown document removed", extra={"key": key})
        bucket.delete(key)
        return None
    if doc.status is DocumentStatus.UPLOADING:
        doc = _move_in(registry, bucket, doc, key)
        if doc is None:
            return None
    elif doc.blob_key != key:  # the bytes were accepted already: a replayed upload
        log.warning("upload after acceptance removed", extra={"doc_id": doc.doc_id})
        bucket.delete(key)
    if doc.status in _RUNNABLE:  # also on redelivery: running the job again changes nothing
        return IngestJob(doc_id=doc.doc_id, version=doc.version)
    return None


def document_of_upload(registry: Registry, key: str) -> Document | None:
    """The document whose upload target is ``key`` (``documents/{owner}/{doc_id}``), if any."""
    parts = key.split("/")
    if len(parts) != 3 or f"{parts[0]}/" != UPLOAD_PREFIX:
        return None
    doc = registry.get(parts[2])
    if doc is None or doc.owner != parts[1]:
        return None
    return doc


def _move_in(registry: Registry, bucket: UploadBucket, doc: Document, key: str) -> Document | None:
    """Copy the upload to its stored key and record it (UPLOADING -> QUEUED) in one write."""
    target = stored_key(doc)
    try:
        size = bucket.copy(key, target)
    except NotFound:  # removed meanwhile (a redelivered notification): nothing to accept
        return None
    try:
        doc = registry.transition(
            doc.doc_id,
            expect_status=[DocumentStatus.UPLOADING],
            expect_version=doc.version,
            status=DocumentStatus.QUEUED,
            blob_key=target,
            size=size,
        )
    except Conflict:  # another arrival won: keep its bytes, drop ours
        bucket.delete(target)
        current = registry.get(doc.doc_id)
        if current is None or current.blob_key == key:
            return current
        bucket.delete(key)
        return current
    bucket.delete(key)
    return doc
