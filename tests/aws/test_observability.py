"""Observability on the AWS path (moto, the Bedrock test server): one request id from the
``ask`` route through retrieval into the chat worker, and Bedrock's counted tokens priced into
the embedded metrics."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from handlers.aws import chat_worker, ingest, ws_connection, ws_message
from service.adapters import emf_metrics as emf
from service.models import DocumentStatus
from tests.aws.bedrock_server import BedrockServer, _usage
from tests.aws.conftest import FakeContext, Stack
from tests.aws.lambda_events import drain, posted_frames, ws_event
from tests.aws.test_e2e import upload

NOTE = b"The harbour master checks the tide gauge every morning at six."
REPLY = "The tide gauge is checked every morning at six [1]."
HAIKU_IN, HAIKU_OUT = 0.0008, 0.004  # USD per 1k tokens: the default model's default prices


@pytest.fixture(scope="module")
def carol(stack: Stack, bedrock: BedrockServer) -> str:
    """Alice's open connection, once her note is indexed."""
    connection_id = f"conn-obs-{uuid.uuid4().hex[:6]}"
    event = ws_event("ws_connect", connection_id, stack.subs["alice"])
    assert ws_connection.handler(event, FakeContext()) == {"statusCode": 200}
    doc_id = upload(stack, "alice", "harbour-note.txt", NOTE)

    def indexed() -> bool:
        doc = ingest._services().registry.get(doc_id)
        return doc is not None and doc.status is DocumentStatus.INDEXED

    assert drain(stack, ingest.handler, until=indexed) == []
    return connection_id


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the Lambda loggers (the handlers' and the library's) write, exactly as formatted."""
    names = [ws_message.logger.name, chat_worker.logger.name, "service", "handlers"]
    handlers = {h for name in names for h in logging.getLogger(name).handlers}
    buffer = io.StringIO()
    old = {h: h.setStream(buffer) for h in handlers if isinstance(h, logging.StreamHandler)}
    yield buffer
    for handler, stream in old.items():
        handler.setStream(stream)


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for raw in text.splitlines():
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


def _ask(stack: Stack, connection_id: str, rid: str, question: str) -> dict[str, Any]:
    event = ws_event(
        "ws_message",
        connection_id,
        stack.subs["alice"],
        {"action": "ask", "request_id": rid, "question": question},
    )
    assert ws_message.handler(event, FakeContext()) == {"statusCode": 200}
    return dict(event)


def test_one_request_id_from_the_ask_route_through_retrieval_to_the_worker(
    stack: Stack, carol: str, bedrock: BedrockServer, log_lines: io.StringIO
) -> None:
    bedrock.replies = [REPLY]
    event = _ask(stack, carol, "obs-1", "When is the tide gauge checked?")
    assert posted_frames(carol)[-1] == {"type": "done", "request_id": "obs-1"}
    lines = _json_lines(log_lines.getvalue())

    rid = event["requestContext"]["requestId"]
    mine = [line for line in lines if line.get("request_id") == rid]
    messages = [str(line.get("message")) for line in mine]
    services = {line.get("service") for line in mine}
    assert "question obs-1 handed to the chat worker" in messages  # the edge (ask route)
    assert "answering question obs-1" in messages  # the chat worker
    assert any(m.startswith("retrieved ") for m in messages)  # retrieval, in the library
    assert {"rag-ws-message", "rag-chat-worker"} <= services


def test_cost_is_the_counted_tokens_times_the_prices(
    stack: Stack, carol: str, bedrock: BedrockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    bedrock.replies = [REPLY]
    capsys.readouterr()
    _ask(stack, carol, "obs-2", "When does the harbour master check the gauge?")
    [call] = bedrock.calls("converse-stream")
    reported = _usage(call["body"], REPLY)  # what the server sent in its metadata event
    assert reported["inputTokens"] > 0 and reported["outputTokens"] == len(REPLY.split())

    blobs = [line for line in _json_lines(capsys.readouterr().out) if "_aws" in line]
    emitted = {k: _one(v) for blob in blobs for k, v in blob.items() if k in _NAMES}
    assert emitted[emf.INPUT_TOKENS] == reported["inputTokens"]
    assert emitted[emf.OUTPUT_TOKENS] == reported["outputTokens"]
    expected = (reported["inputTokens"] * HAIKU_IN + reported["outputTokens"] * HAIKU_OUT) / 1000
    assert emitted[emf.COST_USD] == pytest.approx(expected, rel=1e-9)
    assert emitted[emf.QUESTIONS] == 1 and emitted[emf.NOT_FOUND] == 0
    assert emitted[emf.ANSWER_SECONDS] >= emitted[emf.FIRST_TOKEN_SECONDS] > 0
    assert emitted[emf.RETRIEVAL_SECONDS] > 0


def _one(values: Any) -> float:
    """The single value of one EMF metric (Powertools writes each as a list)."""
    assert isinstance(values, list) and len(values) == 1, values
    return float(values[0])


_NAMES = {
    emf.QUESTIONS,
    emf.NOT_FOUND,
    emf.INPUT_TOKENS,
    emf.OUTPUT_TOKENS,
    emf.COST_USD,
    emf.ANSWER_SECONDS,
    emf.FIRST_TOKEN_SECONDS,
    emf.RETRIEVAL_SECONDS,
}
