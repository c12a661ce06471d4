"""Real-shaped Lambda events (from tests/events/*.json) and an emulation of what the SQS
event source mapping does: receive a batch, invoke, delete the records that succeeded."""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from tests.aws.conftest import FakeContext, Stack

EVENTS = Path(__file__).resolve().parent.parent / "events"
ACCOUNT, REGION = "123456789012", "us-east-1"


@cache
def _template(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return data


def load(name: str) -> dict[str, Any]:
    """A fresh copy of ``tests/events/<name>.json``."""
    return copy.deepcopy(_template(name))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The SQS event Lambda would deliver for ``receive_message`` output."""
    template = load("sqs_batch")["Records"][0]
    records = []
    for message in messages:
        record = copy.deepcopy(template)
        record.update(
            messageId=message["MessageId"],
            receiptHandle=message["ReceiptHandle"],
            body=message["Body"],
            md5OfBody=message["MD5OfBody"],
            eventSourceARN=queue_arn,
        )
        record["attributes"]["ApproximateReceiveCount"] = message["Attributes"][
            "ApproximateReceiveCount"
        ]
        records.append(record)
    return {"Records": records}


def receive(stack: Stack, max_messages: int = 10) -> list[dict[str, Any]]:
    out = stack.aws("sqs").receive_message(
        QueueUrl=stack.queue_url,
        MaxNumberOfMessages=max_messages,
        MessageSystemAttributeNames=["All"],
        WaitTimeSeconds=0,
    )
    messages: list[dict[str, Any]] = out.get("Messages", [])
    return messages


def invoke_batch(
    stack: Stack, handler: Callable[..., Any], messages: list[dict[str, Any]]
) -> list[str]:
    """Invoke ``handler`` with the batch; delete the successes; return failed message ids."""
    response = handler(sqs_event(messages, stack.queue_arn), FakeContext())
    failed = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])]
    for message in messages:
        if message["MessageId"] not in failed:
            stack.aws("sqs").delete_message(
                QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
    return failed


def drain(
    stack: Stack,
    handler: Callable[..., Any],
    *,
    until: Callable[[], bool] = lambda: False,
    timeout_s: float = 60.0,
    idle_s: float = 3.0,
) -> list[str]:
    """Run the event source mapping until ``until()`` holds, or the queue stays empty for
    ``idle_s`` (longer than the visibility timeout), or ``timeout_s`` passes."""
    failed: list[str] = []
    deadline = time.monotonic() + timeout_s
    last_seen = time.monotonic()
    while time.monotonic() < deadline and not until():
        messages = receive(stack)
        if messages:
            failed += invoke_batch(stack, handler, messages)
            last_seen = time.monotonic()
        elif time.monotonic() - last_seen > idle_s:
            break
        else:
            time.sleep(0.2)
    return failed


def dead_letters(stack: Stack) -> list[dict[str, Any]]:
    """Everything in the DLQ (left in place, invisible for a while after this)."""
    out = stack.aws("sqs").receive_message(
        QueueUrl=stack.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    )
    messages: list[dict[str, Any]] = out.get("Messages", [])
    return messages


def ws_event(name: str, connection_id: str, user_id: str | None, body: Any = None) -> Any:
    """A WebSocket route event for ``connection_id`` authorised as ``user_id``."""
    event = load(name)
    context = event["requestContext"]
    context["connectionId"] = connection_id
    context["requestId"] = uuid.uuid4().hex
    if user_id is None:
        context.pop("authorizer", None)
    else:
        context["authorizer"].update(principalId=user_id, user_id=user_id)
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    return event


def http_event(method: str, path: str, token: str | None, body: Any = None) -> dict[str, Any]:
    """An HTTP API (payload v2) event."""
    event = load("http_api_v2")
    raw_path, _, query = path.partition("?")
    event.update(rawPath=raw_path, rawQueryString=query)
    event["requestContext"]["http"].update(method=method, path=raw_path)
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    if token is None:
        event["headers"].pop("authorization")
    else:
        event["headers"]["authorization"] = f"Bearer {token}"
    if body is not None:
        event["body"] = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    return event


def posted_frames(connection_id: str) -> list[dict[str, Any]]:
    """Frames moto recorded for ``post_to_connection`` (moto concatenates their bytes)."""
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    data = apigatewaymanagementapi_backends[ACCOUNT][REGION].connections[connection_id].data
    text, frames, decoder, i = data.decode(), [], json.JSONDecoder(), 0
    while i < len(text):
        frame, i = decoder.raw_decode(text, i)
        frames.append(frame)
    return frames
