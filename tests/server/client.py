"""A small client of the local server for tests: sign-in, two-step upload, and a WebSocket
reader that keeps events it was not waiting for."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.conftest import SAMPLES
from tests.server.conftest import Server

Event = dict[str, Any]


def login(srv: Server, user: str, password: str | None = None) -> str:
    body = {"username": user} if password is None else {"username": user, "password": password}
    response = httpx.post(f"{srv.url}/auth/dev-login", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create(srv: Server, token: str, filename: str, size: int | None = None) -> dict[str, Any]:
    response = httpx.post(
        f"{srv.url}/documents", json={"filename": filename, "size": size}, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def send_upload(target: dict[str, Any], data: Any) -> httpx.Response:
    """Send exactly what the upload target says (no bearer header)."""
    if target["method"] == "POST":  # the AWS shape: a form whose fields come first
        return httpx.post(
            target["url"], data=target["fields"], files={"file": data}, headers=target["headers"]
        )
    return httpx.request(
        target["method"], target["url"], headers=target["headers"], content=data, timeout=30
    )


def upload(srv: Server, token: str, filename: str, data: bytes) -> dict[str, Any]:
    """Create, then upload the bytes; returns the document as the upload left it."""
    created = create(srv, token, filename, len(data))
    response = send_upload(created["upload"], data)
    assert response.status_code == 200, response.text
    return dict(response.json())


def get_doc(srv: Server, token: str, doc_id: str) -> httpx.Response:
    return httpx.get(f"{srv.url}/documents/{doc_id}", headers=bearer(token))


def wait_status(srv: Server, token: str, doc_id: str, status: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        current = get_doc(srv, token, doc_id).json().get("status")
        if current == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"{doc_id} did not reach {status} (last: {current})")


def person_with_sample(srv: Server, name: str, sample: str = "visitor-faq.txt") -> str:
    """Sign ``name`` in, index one sample document for them; their token."""
    token = login(srv, name)
    doc = upload(srv, token, sample, (SAMPLES / sample).read_bytes())
    wait_status(srv, token, doc["doc_id"], "INDEXED")
    return token


@dataclass
class Answer:
    text: str
    sources: list[dict[str, Any]]
    end: Event
    events: list[Event] = field(default_factory=list)


class Chat:
    """One WebSocket connection."""

    def __init__(self, srv: Server, token: str) -> None:
        self.ws: ClientConnection = connect(f"{srv.ws_url}?token={token}", open_timeout=10)
        self.backlog: list[Event] = []

    def __enter__(self) -> Chat:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.ws.close()

    def send(self, message: Any) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def ask(self, rid: str, question: str, **extra: Any) -> None:
        self.send({"action": "ask", "request_id": rid, "question": question, **extra})

    def wait_for(self, match: Callable[[Event], bool], timeout_s: float = 30) -> Event:
        for i, event in enumerate(self.backlog):
            if match(event):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching event; backlog {self.backlog[-5:]}")
            event = json.loads(self.ws.recv(timeout=remaining))
            if match(event):
                return event
            self.backlog.append(event)

    def answer(self, rid: str, timeout_s: float = 30) -> Answer:
        """Collect ``rid``'s events until done or error."""
        events = []
        while True:
            event = self.wait_for(lambda e: e.get("request_id") == rid, timeout_s)
            events.append(event)
            if event["type"] in ("done", "error"):
                break
        text = "".join(e["text"] for e in events if e["type"] == "token")
        sources = [s for e in events if e["type"] == "sources" for s in e["sources"]]
        return Answer(text, sources, events[-1], events)

    def wait_document(self, doc_id: str, status: str, timeout_s: float = 60) -> Event:
        event = self.wait_for(
            lambda e: (
                e.get("type") == "document"
                and e["doc_id"] == doc_id
                and e["status"] in (status, "FAILED")
            ),
            timeout_s,
        )
        assert event["status"] == status, event
        return event
