"""The ingest Lambda on moto: S3 notification shapes, partial batch failures with a poison
document, redelivery, and throttled Bedrock calls."""

from __future__ import annotations

import json
from typing import Any

from handlers.aws import ingest
from service.models import DocumentStatus
from service.wiring import Services
from tests.aws.bedrock_server import BedrockServer
from tests.aws.conftest import MAX_RECEIVES, FakeContext, Stack
from tests.aws.lambda_events import dead_letters, drain, invoke_batch, load, receive, sqs_event
from tests.conftest import SAMPLES

POISON = "POISON-7f3a"


def text_doc(i: int) -> bytes:
    return (f"Report {i}. The survey team counted {i * 7} sea otters near buoy {i}. " * 30).encode()


def statuses(services: Services, ids: list[str]) -> list[DocumentStatus | None]:
    return [d.status if (d := services.registry.get(i)) else None for i in ids]


def unique_rows(services: Services, owner: str, doc_id: str) -> tuple[int, int]:
    nodes = services.store.get_nodes(owner=owner, doc_ids=[doc_id])
    return len(nodes), len({n.node_id for n in nodes})


def collect_jobs(stack: Stack, doc_ids: set[str]) -> tuple[list[dict[str, Any]], list[Any]]:
    """Receive until every job message of ``doc_ids`` is in hand; other messages (the S3
    notifications of the same uploads) are returned separately, still in flight."""
    jobs: dict[str, dict[str, Any]] = {}
    others: list[dict[str, Any]] = []
    for _ in range(50):
        for message in receive(stack):
            body = json.loads(message["Body"])
            if body.get("doc_id") in doc_ids:
                jobs[body["doc_id"]] = message
            else:
                others.append(message)
        if len(jobs) == len(doc_ids):
            break
    return list(jobs.values()), others


def test_batch_with_one_poison_message_fails_only_it(stack: Stack, bedrock: BedrockServer) -> None:
    services = ingest._services()
    bedrock.poison = POISON
    docs = [services.documents.add("ingest-user", f"r{i}.txt", text_doc(i)) for i in range(9)]
    poison = services.documents.add("ingest-user", "bad.txt", f"{POISON} in here".encode())
    ids = [d.doc_id for d in docs]
    messages, _notifications = collect_jobs(stack, {*ids, poison.doc_id})
    assert len(messages) == 10
    failed = invoke_batch(stack, ingest.handler, messages)
    poison_message = next(m for m in messages if poison.doc_id in m["Body"])
    assert failed == [poison_message["MessageId"]]
    assert statuses(services, ids) == [DocumentStatus.INDEXED] * 9
    assert statuses(services, [poison.doc_id]) == [DocumentStatus.PROCESSING]

    def dead_lettered() -> bool:
        attrs = stack.aws("sqs").get_queue_attributes(
            QueueUrl=stack.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"]) > 0

    drain(stack, ingest.handler, until=dead_lettered, timeout_s=60)
    doc = services.registry.get(poison.doc_id)
    assert doc is not None and doc.status is DocumentStatus.FAILED
    assert doc.error and "repeatedly" in doc.error
    assert services.store.count(doc_id=poison.doc_id) == 0
    assert any(poison.doc_id in m["Body"] for m in dead_letters(stack))


def test_redelivery_is_a_no_op(stack: Stack) -> None:
    services = ingest._services()
    doc = services.documents.add("ingest-user", "again.txt", text_doc(42))
    drain(stack, ingest.handler, until=lambda: statuses(services, [doc.doc_id])[0] == "INDEXED")
    before = services.registry.get(doc.doc_id)
    assert before is not None and before.status is DocumentStatus.INDEXED
    event = load("sqs_batch")
    event["Records"][0]["body"] = json.dumps({"doc_id": doc.doc_id, "version": 1})
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(MAX_RECEIVES)
    assert ingest.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert services.registry.get(doc.doc_id) == before
    assert unique_rows(services, "ingest-user", doc.doc_id) == (before.chunks, before.chunks)


def test_s3_event_shapes(stack: Stack) -> None:
    services = ingest._services()
    owner = "carol+field@example.com"  # S3 notifications URL-encode '@' and '+'
    doc = services.documents.create(owner, "note.txt")
    services.blobs.put(doc.blob_key, [text_doc(7)], max_bytes=10_000_000)  # moto notifies SQS
    drain(stack, ingest.handler, until=lambda: statuses(services, [doc.doc_id])[0] == "INDEXED")
    indexed = services.registry.get(doc.doc_id)
    assert indexed is not None and indexed.status is DocumentStatus.INDEXED
    assert indexed.size == len(text_doc(7))
    for name in ("s3_test_event", "s3_object_removed", "s3_object_created"):  # last: unknown doc
        message = {
            "MessageId": name,
            "ReceiptHandle": "r",
            "Body": json.dumps(load(name)),
            "MD5OfBody": "x",
            "Attributes": {"ApproximateReceiveCount": "1"},
        }
        event = sqs_event([message], stack.queue_arn)
        assert ingest.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert services.registry.get(doc.doc_id) == indexed


def test_throttled_bedrock_still_indexes_everything_once(
    stack: Stack, bedrock: BedrockServer
) -> None:
    services = ingest._services()
    bedrock.throttle_rate = 0.1
    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".md", ".txt", ".html", ".pdf"})
    ids = [services.documents.add("throttle-user", p.name, p.read_bytes()).doc_id for p in samples]

    def done() -> bool:
        return all(
            s in (DocumentStatus.INDEXED, DocumentStatus.FAILED) for s in statuses(services, ids)
        )

    drain(stack, ingest.handler, until=done, timeout_s=120)  # retries are expected here
    assert statuses(services, ids) == [DocumentStatus.INDEXED] * len(ids)
    assert bedrock.throttled > 0
    for doc_id in ids:
        doc = services.registry.get(doc_id)
        assert doc is not None
        assert unique_rows(services, "throttle-user", doc_id) == (doc.chunks, doc.chunks)
