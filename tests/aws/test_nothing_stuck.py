"""Nothing stays in flight on AWS (moto): the dead-letter consumer fails the documents of
dead-lettered messages with the reason, and maintenance re-queues then fails stuck documents."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from handlers.aws import dead_letters, ingest
from handlers.aws import maintenance as maintenance_handler
from service.dead_letters import DEAD_LETTER_REASON
from service.maintenance import sweep_stuck
from service.models import DocumentStatus
from service.wiring import Services
from tests.aws.conftest import MAX_RECEIVES, FakeContext, Stack
from tests.aws.lambda_events import load, receive

TEXT = ("Seals haul out on the north beach at low tide. " * 20).encode()


def dlq_event(stack: Stack, messages: list[dict[str, object]]) -> dict[str, object]:
    event = load("sqs_batch")
    template = event["Records"][0]
    records = []
    for message in messages:
        record = dict(template)
        record.update(
            messageId=message["MessageId"],
            receiptHandle=message["ReceiptHandle"],
            body=message["Body"],
            eventSourceARN=stack.queue_arn + "-dlq",
        )
        records.append(record)
    return {"Records": records}


def processing(services: Services, owner: str) -> str:
    """A document whose ingestion started and was killed (left PROCESSING)."""
    doc = services.documents.add(owner, "seals.txt", TEXT)
    services.registry.transition(
        doc.doc_id,
        expect_status=[DocumentStatus.QUEUED],
        expect_version=doc.version,
        status=DocumentStatus.PROCESSING,
    )
    return doc.doc_id


def test_dead_lettered_job_marks_its_document_failed(stack: Stack) -> None:
    services = ingest._services()
    doc_id = processing(services, "dlq-user")
    event = load("sqs_batch")
    event["Records"][0]["body"] = json.dumps({"doc_id": doc_id, "version": 1})
    assert dead_letters.handler(event, FakeContext()) == {"batchItemFailures": []}
    doc = services.registry.get(doc_id)
    assert doc is not None and doc.status is DocumentStatus.FAILED
    assert doc.error == DEAD_LETTER_REASON
    again = dead_letters.handler(event, FakeContext())  # redelivery changes nothing
    assert again == {"batchItemFailures": []} and services.registry.get(doc_id) == doc


def test_upload_notification_that_never_succeeded_reaches_the_dlq_and_fails(
    stack: Stack,
) -> None:
    services = ingest._services()
    doc = services.documents.create("dlq-user", "never.txt")
    services.blobs.put(doc.blob_key, [TEXT], max_bytes=10_000_000)  # moto notifies the queue
    sqs = stack.aws("sqs")
    deadline = time.monotonic() + 60
    found: list[dict[str, object]] = []
    while not found and time.monotonic() < deadline:
        receive(stack)  # every attempt "killed": received, never deleted
        time.sleep(1.1)  # past the visibility timeout
        out = sqs.receive_message(QueueUrl=stack.dlq_url, MaxNumberOfMessages=10)
        for message in out.get("Messages", []):
            if doc.doc_id in message["Body"]:
                found.append(message)
    assert found, f"no dead letter after {MAX_RECEIVES} receives"
    assert dead_letters.handler(dlq_event(stack, found), FakeContext()) == {"batchItemFailures": []}
    failed = services.registry.get(doc.doc_id)
    assert failed is not None and failed.status is DocumentStatus.FAILED
    assert failed.error == DEAD_LETTER_REASON


def test_maintenance_requeues_then_fails_stuck_documents(stack: Stack) -> None:
    services = ingest._services()
    doc_id = processing(services, "stuck-user")
    stuck_s = services.settings.stuck_after_s

    soon = datetime.now(UTC) + timedelta(seconds=stuck_s + 1)
    report = sweep_stuck(
        services.registry, services.queue, services.ingestor, stuck_after_s=stuck_s, now=soon
    )
    assert doc_id in report.requeued and doc_id not in report.failed
    resent = [m for m in receive(stack) if json.loads(m["Body"]).get("doc_id") == doc_id]
    assert resent, "the job was sent again"
    status = services.registry.get(doc_id)
    assert status is not None and status.status is DocumentStatus.PROCESSING

    late = datetime.now(UTC) + timedelta(seconds=2 * stuck_s + 1)
    report = sweep_stuck(
        services.registry, services.queue, services.ingestor, stuck_after_s=stuck_s, now=late
    )
    assert doc_id in report.failed
    doc = services.registry.get(doc_id)
    assert doc is not None and doc.status is DocumentStatus.FAILED
    assert doc.error is not None and "did not finish" in doc.error


def test_maintenance_handler_reports_the_sweep(stack: Stack) -> None:
    out = maintenance_handler.handler(load("scheduled"), FakeContext())
    assert {"requeued", "failed", "versions_before", "versions_after"} <= set(out)
