"""Ingestion jobs from upload notifications: the one rule mapping a stored blob's key to the
job that indexes it (used by the AWS ingestion handler, where S3 reports uploads)."""

from __future__ import annotations

import logging

from service.errors import Conflict
from service.models import DocumentStatus, IngestJob
from service.ports import Registry

log = logging.getLogger(__name__)


def job_for_upload(registry: Registry, key: str, size: int) -> IngestJob | None:
    """The job for bytes stored under ``key``, moving the document UPLOADING -> QUEUED.

    ``None`` for a key that is not a known document's server-built blob key. A repeated
    notification (the document already QUEUED or further) gives the job again; the ingestor
    drops it if it is stale.
    """
    parts = key.split("/")
    doc = registry.get(parts[2]) if len(parts) == 3 and parts[0] == "documents" else None
    if doc is None or doc.blob_key != key:
        log.warning("upload of an unknown document ignored: %s", key)
        return None
    if doc.status is DocumentStatus.UPLOADING:
        try:
            doc = registry.transition(
                doc.doc_id,
                expect_status=[DocumentStatus.UPLOADING],
                expect_version=doc.version,
                status=DocumentStatus.QUEUED,
                size=size,
            )
        except Conflict:  # another delivery of the same notification won
            doc = registry.get(doc.doc_id) or doc
    return IngestJob(doc_id=doc.doc_id, version=doc.version)
