"""Dead-letter consumer: the ingestion DLQ's messages mark their documents FAILED with the
reason (an SQS event source on the DLQ; each message is consumed once handled)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from handlers.aws.metering import log_metrics_if_any
from handlers.aws.observe import lambda_logger, lambda_tracer
from service.config import get_settings
from service.dead_letters import fail_dead_letter
from service.wiring import Services, build_services

logger = lambda_logger("rag-dead-letters")
metrics = Metrics(namespace="RagService", service="dead-letters")
tracer = lambda_tracer("rag-dead-letters")
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@lru_cache(maxsize=1)
def _services() -> Services:
    return build_services(get_settings())


def record_handler(record: SQSRecord) -> None:
    """Fail the documents of one dead letter; raising keeps the message for another try."""
    services = _services()
    doc_ids = fail_dead_letter(services.registry, services.ingestor, json.loads(record.body))
    metrics.add_metric(name="DeadLetteredDocuments", unit=MetricUnit.Count, value=len(doc_ids))
    logger.warning("dead letter", extra={"doc_ids": doc_ids})


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The DLQ event source entry point (``ReportBatchItemFailures`` enabled)."""
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
