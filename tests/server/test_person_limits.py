"""Per-person limits on the chat WebSocket: open connections and questions in flight are
counted per person (not per connection), with a clear ``rate_limited`` error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from handlers.local.server import ServerOptions, create_local_app
from service.wiring import Services
from tests.conftest import ingest
from tests.server.paced_server import paced


def _app(make_services: Callable[..., Services], **settings: Any) -> TestClient:
    services = paced(make_services(**settings).settings, 0.05)
    ingest(services, "ann", "notes.txt", b"The lighthouse keeper lights the lamp at dusk. " * 40)
    app = create_local_app(services, ServerOptions(host="127.0.0.1"))
    return TestClient(app, base_url="http://127.0.0.1")


def _token(client: TestClient, user: str) -> str:
    return str(client.post("/auth/dev-login", json={"username": user}).json()["access_token"])


def test_connections_are_limited_per_person(make_services: Callable[..., Services]) -> None:
    with _app(make_services, max_connections_per_user=2) as client:
        ann, bob = _token(client, "ann"), _token(client, "bob")
        url = "ws://127.0.0.1/ws?token="
        with client.websocket_connect(url + ann), client.websocket_connect(url + ann):
            with client.websocket_connect(url + ann) as third:
                third.send_json({"action": "ping"})
                event = third.receive_json()
                assert event["type"] == "error" and event["code"] == "rate_limited"
            with client.websocket_connect(url + bob) as other:  # others are not affected
                other.send_json({"action": "ping"})
                assert other.receive_json() == {"type": "pong"}
        with client.websocket_connect(url + ann) as again:  # closed ones are released
            again.send_json({"action": "ping"})
            assert again.receive_json() == {"type": "pong"}


def test_questions_in_flight_are_limited_per_person(make_services: Callable[..., Services]) -> None:
    with _app(make_services, max_questions_per_user=2) as client:
        url = "ws://127.0.0.1/ws?token=" + _token(client, "ann")
        question = "When does the keeper light the lamp?"
        with client.websocket_connect(url) as one, client.websocket_connect(url) as two:
            one.send_json({"action": "ask", "request_id": "a", "question": question})
            one.send_json({"action": "ask", "request_id": "b", "question": question})
            assert one.receive_json()["request_id"] in ("a", "b")  # both are running
            two.send_json({"action": "ask", "request_id": "c", "question": question})
            while (event := two.receive_json())["type"] not in ("error", "done"):
                pass
            assert event["request_id"] == "c" and event["code"] == "rate_limited"
