"""Hostile client messages of any shape: an error event (never a traceback or a dropped
connection), REST inputs that are not valid text are a 400, log lines cannot be forged."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from handlers.local.server import ServerOptions, create_local_app
from handlers.logs import JsonFormatter
from service.models import ErrorEvent
from service.protocol import encode_event, parse_client_message

HOSTILE = [
    "[" * 100_000 + "]" * 100_000,
    '{"action": "ask", "request_id": "r", "question": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"action": "ask", "request_id": "\\ud800", "question": "q?"}',
    '{"action": "ask", "request_id": "r", "question": "what is \\udfff?"}',
    '{"action": "cancel", "request_id": "\\udc00x"}',
    '{"action": "ask", "request_id": "r", "question": "q", "doc_ids": ["\\ud800"]}',
    '{"action": "ask", "request_id": "r", "question": "q", "history": '
    '[{"role": "user", "content": "\\ud800"}]}',
    '{"action": "\\ud800"}',
    '{"\\ud800": 1, "action": "ping"}',
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_messages_become_error_events_that_encode(raw: str) -> None:
    event = parse_client_message(raw)
    assert isinstance(event, ErrorEvent), raw[:80]
    assert event.code == "bad_request"
    json.loads(encode_event(event))  # the error itself can always be sent


def test_hostile_frames_keep_the_websocket_open(make_services: Any) -> None:
    app = create_local_app(make_services(), ServerOptions(host="127.0.0.1"))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = client.post("/auth/dev-login", json={"username": "eve"}).json()["access_token"]
        with client.websocket_connect(f"ws://127.0.0.1/ws?token={token}") as ws:
            for raw in HOSTILE:
                ws.send_text(raw)
                event = ws.receive_json()
                assert event["type"] == "error" and event["code"] == "bad_request", raw[:80]
            ws.send_text('{"action": "ping"}')
            assert ws.receive_json() == {"type": "pong"}


@pytest.mark.parametrize(
    "path",
    [
        "/documents?cursor=%ED%A0%80",
        "/documents?cursor=%FF%FE",
        "/documents?cursor=%00",
        "/documents/%ED%A0%80",
        "/documents?cursor=" + "%C3%A9" * 10,
    ],
)
def test_rest_inputs_that_are_not_valid_text_are_400(make_services: Any, path: str) -> None:
    app = create_local_app(make_services(), ServerOptions(host="127.0.0.1"))
    client = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    token = client.post("/auth/dev-login", json={"username": "eve"}).json()["access_token"]
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"]["code"] in ("bad_request", "not_found")


def test_log_lines_are_json_and_cannot_be_forged() -> None:
    record = logging.LogRecord(
        "rag.test",
        logging.INFO,
        __file__,
        1,
        "chat request %s ended",
        ('r1\n2026-01-01 INFO rag: forged line {"x": 1}',),
        None,
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"].startswith("chat request r1\n2026")
    assert parsed["level"] == "INFO" and parsed["logger"] == "rag.test"
