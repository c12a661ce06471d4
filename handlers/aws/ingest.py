"""Ingestion Lambda: an SQS batch of S3 upload notifications and ``{doc_id, version}`` jobs.

Each record is one document; a failing record is reported alone (partial batch response), so
SQS redelivers only it and, after the queue's maximum receives, moves it to the DLQ. On the
final attempt the document is marked FAILED first, so users see why. Redelivery is a no-op.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from handlers.aws.metering import log_metrics_if_any
from handlers.aws.observe import lambda_logger, lambda_tracer
from service.config import get_settings
from service.context import request_scope, usable_request_id
from service.ingestion import Outcome
from service.models import IngestJob
from service.uploads import accept_upload
from service.wiring import Services, build_services

logger = lambda_logger("rag-ingest")
metrics = Metrics(namespace="RagService", service="ingest")
tracer = lambda_tracer("rag-ingest")
# Report every failure as an item failure, even when all fail: SQS then retries exactly those
# messages, instead of the whole invocation erroring.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class GiveUp(Exception):  # a signal to SQS, not an error of the service
    """The document is FAILED after its last attempt; the message goes to the DLQ."""


@lru_cache(maxsize=1)
def _services() -> Services:
    return build_services(get_settings())


def jobs_of(body: dict[str, Any], services: Services) -> list[IngestJob]:
    """The ingestion jobs a message asks for (S3 uploads are moved UPLOADING -> QUEUED)."""
    if "doc_id" in body:
        return [IngestJob.model_validate(body)]
    jobs = []
    for record in body.get("Records", []):  # an s3:TestEvent has none
        event_name = str(record.get("eventName", ""))
        key = unquote_plus(record["s3"]["object"]["key"])
        if not event_name.startswith("ObjectCreated:"):
            logger.info("ignoring S3 event", extra={"event": event_name})
            continue
        job = _uploaded(services, key)
        if job is not None:
            jobs.append(job)
    return jobs


def _uploaded(services: Services, key: str) -> IngestJob | None:
    if services.aws is None:  # a wiring error, not a document's
        raise TypeError("the ingest handler needs the AWS adapters (RAG_MODE=aws)")
    return accept_upload(services.registry, services.aws.blobs, key)


def record_handler(record: SQSRecord) -> None:
    """Process one SQS record (its message id is the request id); raising reports it failed."""
    with request_scope(usable_request_id(record.message_id)):
        _process(record)


def _process(record: SQSRecord) -> None:
    services = _services()
    final = int(record.attributes.approximate_receive_count) >= services.settings.queue_max_receives
    for job in jobs_of(json.loads(record.body), services):
        outcome = services.ingestor.process(job, final_attempt=final)
        logger.info("ingestion done", extra={"doc_id": job.doc_id, "outcome": outcome.value})
        if final and outcome is Outcome.FAILED:
            raise GiveUp(f"document {job.doc_id} failed on its last attempt")


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event source entry point (``ReportBatchItemFailures`` enabled)."""
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
