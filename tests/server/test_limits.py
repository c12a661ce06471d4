"""Limits that hold under abuse (probed against the real server process): slow uploads cannot
starve the server, per-person upload caps, idle uploads end, headers that never end are cut,
bodies of JSON endpoints are bounded."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from handlers.local.limits import SignInThrottle
from handlers.local.server import ServerOptions, create_local_app
from service.errors import RateLimited
from tests.server.client import bearer, create, login, wait_status
from tests.server.conftest import Server

SLOW_UPLOADS = 45  # more than the 40 shared worker threads


@contextmanager
def slow_upload(
    server: Server, target: dict[str, str], declared: int = 100_000
) -> Iterator[socket.socket]:
    """An upload whose headers and first byte arrive, then (unless the caller sends more)
    nothing."""
    parts = urlsplit(target["url"])
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = (
        f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {declared}\r\n\r\nx"
    )
    sock.sendall(head.encode())
    try:
        yield sock
    finally:
        sock.close()


def response_of(sock: socket.socket) -> bytes:
    """What the server answered (or b"" if it just closed the connection)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_slow_uploads_do_not_starve_the_server(server: Server) -> None:
    targets = []
    for i in range(SLOW_UPLOADS):
        token = login(server, f"slow{i}")
        targets.append(create(server, token, f"slow{i}.txt")["upload"])
    with contextmanager_stack([slow_upload(server, t) for t in targets]):
        time.sleep(1)  # every upload is now being received
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
        fresh = login(server, "unstarved")
        assert httpx.get(f"{server.url}/documents", headers=bearer(fresh), timeout=10).is_success


@contextmanager
def contextmanager_stack(managers: list[object]) -> Iterator[None]:
    from contextlib import ExitStack

    with ExitStack() as stack:
        for manager in managers:
            stack.enter_context(manager)  # type: ignore[arg-type]
        yield


def test_a_person_may_run_only_a_few_uploads_at_once(server: Server) -> None:
    token = login(server, "hoarder")
    targets = [create(server, token, f"h{i}.txt")["upload"] for i in range(5)]
    with contextmanager_stack([slow_upload(server, t) for t in targets[:4]]):
        time.sleep(0.5)
        refused = httpx.put(targets[4]["url"], content=b"hello", headers=targets[4]["headers"])
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"


def test_an_idle_upload_ends_and_its_document_fails(server: Server) -> None:
    token = login(server, "idler")
    created = create(server, token, "idle.txt")
    with slow_upload(server, created["upload"]) as sock:
        answer = response_of(sock)  # the server's idle timeout (8 s here) ends it
    assert b" 400 " in answer.split(b"\r\n")[0] or answer == b""
    wait_status(server, token, created["document"]["doc_id"], "FAILED")


def test_headers_that_never_end_are_cut(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Slow: ".encode())
        started = time.monotonic()
        answer = response_of(sock)
        assert answer == b"" or b" 408 " in answer
        assert time.monotonic() - started < 25  # cut by the header timeout, not by the client


def test_json_bodies_are_bounded(server: Server) -> None:
    huge = b'{"username": "' + b"a" * 2_000_000 + b'"}'
    response = httpx.post(
        f"{server.url}/auth/dev-login", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"username": "'
        for _ in range(40):
            yield b"a" * 50_000
        yield b'"}'

    streamed = httpx.post(
        f"{server.url}/auth/dev-login",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    token = login(server, "bounded")
    big = httpx.post(
        f"{server.url}/documents",
        json={"filename": "x" * 2_000_000},
        headers=bearer(token),
    )
    assert big.status_code == 413


def test_password_guessing_is_throttled_per_address_and_user(make_services: Any) -> None:
    services = make_services(sign_in_attempts_per_minute=5)
    app = create_local_app(services, ServerOptions(host="127.0.0.1", passwords={"ann": "pw"}))
    client = TestClient(app, base_url="http://127.0.0.1")
    codes = [
        client.post("/auth/dev-login", json={"username": "ann", "password": f"guess{i}"})
        for i in range(8)
    ]
    assert [c.status_code for c in codes[:5]] == [401] * 5
    assert {c.status_code for c in codes[5:]} == {429}
    assert codes[-1].json()["error"]["code"] == "rate_limited"
    # the right password does not get past the throttle either (no oracle while throttled)
    right = client.post("/auth/dev-login", json={"username": "ann", "password": "pw"})
    assert right.status_code == 429
    # another user name from another address is not affected by ann's budget
    other = TestClient(app, base_url="http://127.0.0.1", client=("10.0.0.9", 5000))
    assert (
        other.post("/auth/dev-login", json={"username": "bob", "password": "x"}).status_code == 401
    )


def test_sign_in_throttle_window_slides() -> None:
    now = [0.0]
    throttle = SignInThrottle(2, clock=lambda: now[0])
    throttle.check("a", "u")
    throttle.check("b", "u")
    with pytest.raises(RateLimited):
        throttle.check("c", "u")  # the user name's budget
    throttle.check("a", "v")  # address a's second attempt
    with pytest.raises(RateLimited):
        throttle.check("a", "w")  # address a's budget
    now[0] = 61.0
    throttle.check("c", "u")


def test_header_deadline_spares_open_websockets(server: Server) -> None:
    """The header deadline (4 s here) ends only connections still sending headers."""
    from tests.server.client import Chat

    with Chat(server, login(server, "patient")) as chat:
        time.sleep(6)
        chat.send({"action": "ping"})
        assert chat.wait_for(lambda e: True) == {"type": "pong"}
