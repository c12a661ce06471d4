"""Sessions end when they should: an open WebSocket is closed when its token expires, and a
person removed from the password list loses their tokens (REST and open sockets) within the
reload interval (one minute by default)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from handlers.local.server import ServerOptions, create_local_app
from service.wiring import Services, local_identity


def test_websocket_closes_when_its_token_expires(make_services: Callable[..., Services]) -> None:
    services = make_services(session_check_interval_s=0.2)
    app = create_local_app(services, ServerOptions(host="127.0.0.1"))
    identity, _ = local_identity(services.settings)
    short = identity.issue("ann", ttl_s=2)
    client = TestClient(app, base_url="http://127.0.0.1")
    with client, client.websocket_connect(f"ws://127.0.0.1/ws?token={short}") as ws:
        ws.send_json({"action": "ping"})
        assert ws.receive_json() == {"type": "pong"}
        event = ws.receive_json()  # nothing else is sent until the token expires
        assert event["type"] == "error" and event["code"] == "unauthorized"
        closed = ws.receive()
        assert closed["type"] == "websocket.close" and closed["code"] == 4401


def test_removed_password_invalidates_tokens(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    book = tmp_path / "passwords"
    book.write_text("ann:pw1\nbob:pw2\n")
    services = make_services(
        local_passwords_file=book, passwords_reload_s=0.2, session_check_interval_s=0.2
    )
    options = ServerOptions(host="127.0.0.1", passwords={"ann": "pw1", "bob": "pw2"})
    app = create_local_app(services, options)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        tokens = {
            user: client.post("/auth/dev-login", json={"username": user, "password": pw}).json()[
                "access_token"
            ]
            for user, pw in (("ann", "pw1"), ("bob", "pw2"))
        }
        me = {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}
        assert client.get("/me", headers=me["ann"]).status_code == 200
        with client.websocket_connect(f"ws://127.0.0.1/ws?token={tokens['ann']}") as ws:
            book.write_text("bob:pw2\n")
            time.sleep(0.5)
            event = ws.receive_json()
            assert event["type"] == "error" and event["code"] == "unauthorized"
        assert client.get("/me", headers=me["ann"]).status_code == 401
        assert client.get("/me", headers=me["bob"]).status_code == 200
        refused = client.post("/auth/dev-login", json={"username": "ann", "password": "pw1"})
        assert refused.status_code == 401
