"""Dead letters on AWS: a message SQS gave up on (every attempt failed or was killed, for
example by the Lambda timeout) marks its document FAILED with the reason, so nothing stays
PROCESSING until someone reads the dead-letter queue."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any
from urllib.parse import unquote_plus

from service.errors import Conflict, NotFound
from service.ingestion import Ingestor
from service.models import DocumentStatus, IngestJob
from service.ports import Registry
from service.uploads import document_of_upload

log = logging.getLogger(__name__)

DEAD_LETTER_REASON = (
    "ingestion failed on every attempt (the last one may have run out of time or memory);"
    " re-index the document to try again"
)


def fail_dead_letter(registry: Registry, ingestor: Ingestor, body: dict[str, Any]) -> list[str]:
    """Mark FAILED the documents of one dead-lettered message (a job or an S3 notification);
    returns their ids. Documents that moved on meanwhile (indexed, re-indexed) are left alone."""
    if "doc_id" in body:
        job = IngestJob.model_validate(body)
        ingestor.fail(job, DEAD_LETTER_REASON)
        return [job.doc_id]
    failed = []
    for record in body.get("Records", []):
        doc = document_of_upload(registry, unquote_plus(record["s3"]["object"]["key"]))
        if doc is None:
            continue
        if doc.status is DocumentStatus.UPLOADING:  # the arrival itself never succeeded
            with suppress(Conflict, NotFound):
                registry.transition(
                    doc.doc_id,
                    expect_status=[DocumentStatus.UPLOADING],
                    expect_version=doc.version,
                    status=DocumentStatus.FAILED,
                    error=DEAD_LETTER_REASON,
                )
        else:
            ingestor.fail(IngestJob(doc_id=doc.doc_id, version=doc.version), DEAD_LETTER_REASON)
        failed.append(doc.doc_id)
    log.warning("dead letter handled", extra={"doc_ids": failed})
    return failed
