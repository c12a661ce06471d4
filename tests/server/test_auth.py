"""Sign-in: every REST and WebSocket call needs a valid access token; logs never show one."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from service.adapters.local_identity import LocalIdentity
from tests.server.client import Chat, bearer, create, login, send_upload
from tests.server.conftest import Server


def forge(server: Server, **changes: object) -> str:
    """A token signed with the server's real secret, with some claims changed."""
    secret = (server.data_dir / "server-secret").read_bytes()
    identity = LocalIdentity(secret, issuer="rag-local", client_id="rag-web")
    claims = jwt.decode(identity.issue("mallory"), options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(claims, identity._key, algorithm="HS256")


def bad_tokens(server: Server) -> dict[str, str]:
    good = login(server, "mallory")
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "admin"
    other_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return {
        "expired": forge(server, exp=int(time.time()) - 5),
        "tampered": f"{head}.{other_body}.{sig}",
        "wrong audience": forge(server, aud="another-app"),
        "wrong client id": forge(server, client_id="another-app"),
        "wrong issuer": forge(server, iss="someone-else"),
        "id token": forge(server, token_use="id"),
        "other secret": jwt.encode({**claims, "sub": "mallory"}, "x" * 32, algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        "garbage": "not-a-token",
    }


def test_valid_token_works(server: Server) -> None:
    token = login(server, "mallory")
    assert httpx.get(f"{server.url}/me", headers=bearer(token)).status_code == 200
    with Chat(server, token) as chat:
        chat.send({"action": "ping"})
        assert chat.wait_for(lambda e: True) == {"type": "pong"}


def test_bad_tokens_get_401_and_refused_websocket(server: Server) -> None:
    for name, token in bad_tokens(server).items():
        response = httpx.get(f"{server.url}/documents", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "unauthorized", name
        assert response.headers["www-authenticate"] == "Bearer"
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{server.ws_url}?token={token}", open_timeout=5)
        assert refused.value.response.status_code == 403, name
    assert httpx.get(f"{server.url}/me").status_code == 401
    with pytest.raises(InvalidStatus):
        connect(server.ws_url, open_timeout=5)


def test_dev_login_rejects_bad_user_names(server: Server) -> None:
    response = httpx.post(f"{server.url}/auth/dev-login", json={"username": "../etc"})
    assert response.status_code == 400


def test_log_contains_no_token(server: Server) -> None:
    token = login(server, "logan")
    created = create(server, token, "log.txt")
    assert send_upload(created["upload"], b"Logged upload.").status_code == 200
    with Chat(server, token) as chat:
        chat.send({"action": "ping"})
        chat.wait_for(lambda e: e["type"] == "pong")
    connect_failed = False
    try:
        connect(f"{server.ws_url}?token=bogus.{token[:20]}", open_timeout=5)
    except InvalidStatus:
        connect_failed = True
    assert connect_failed
    time.sleep(0.3)  # let the server flush the lines of this session
    log = server.log()
    signature = created["upload"]["url"].split("signature=")[1]
    assert "WebSocket /ws" in log and "/uploads/" in log, "the calls above were logged"
    for secret in (token, token.split(".")[2], signature, "token=", "signature="):
        assert secret not in log


def test_maintenance_runs_inside_the_server(server: Server) -> None:
    deadline = time.monotonic() + 20
    while "maintenance done" not in server.log():
        assert time.monotonic() < deadline, "no maintenance run logged"
        time.sleep(0.2)
    assert "maintenance failed" not in server.log()
