"""The transport-independent pieces, without a server: message parsing, tokens, passwords,
upload URL signing."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from handlers.local.auth import is_loopback
from handlers.local.server import ServerOptions, create_local_app
from handlers.local.uploads import UploadSigner
from handlers.logs import redact
from service.adapters.local_identity import (
    LocalIdentity,
    check_password,
    load_or_create_secret,
    parse_passwords,
)
from service.errors import BadRequest, Forbidden, Unauthorized
from service.models import AskAction, CancelAction, Document, DocumentStatus, ErrorEvent, PingAction
from service.protocol import MAX_MESSAGE_BYTES, parse_client_message
from service.wiring import Services


def test_parse_client_messages() -> None:
    ask = parse_client_message(
        json.dumps(
            {
                "action": "ask",
                "request_id": "r",
                "question": "q?",
                "history": [{"role": "user", "content": "hi"}],
                "doc_ids": ["d1"],
            }
        )
    )
    assert isinstance(ask, AskAction) and ask.doc_ids == ["d1"]
    assert isinstance(
        parse_client_message(b'{"action": "cancel", "request_id": "r"}'), CancelAction
    )
    assert isinstance(parse_client_message('{"action": "ping"}'), PingAction)


@pytest.mark.parametrize(
    ("raw", "request_id"),
    [
        ("{nope", None),
        ("[]", None),
        ('"ask"', None),
        (b"\xff\xfe", None),
        ('{"action": "dance", "request_id": "r1"}', "r1"),
        ('{"request_id": "r2"}', "r2"),
        ('{"action": "ask", "request_id": "r3"}', "r3"),
        (
            '{"action": "ask", "request_id": "r4", "question": "q", "history": [{"role": "x"}]}',
            "r4",
        ),
        ('{"action": "cancel"}', None),
        ('{"action": "ask", "request_id": "", "question": "q"}', None),
        ("x" * (MAX_MESSAGE_BYTES + 1), None),
    ],
)
def test_bad_client_messages_become_error_events(raw: str | bytes, request_id: str | None) -> None:
    event = parse_client_message(raw)
    assert isinstance(event, ErrorEvent)
    assert event.code == "bad_request" and event.request_id == request_id
    assert len(event.message) <= 300


def test_secret_is_created_once_private(tmp_path: Path) -> None:
    path = tmp_path / "d" / "secret"
    first = load_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first and len(first) >= 32


def test_tokens_round_trip_and_fail_closed(tmp_path: Path) -> None:
    secret = load_or_create_secret(tmp_path / "s")
    ident = LocalIdentity(secret, issuer="i", client_id="c", admins={"root"}, ttl_s=60)
    assert ident.verify(ident.issue("root")).is_admin
    assert not ident.verify(ident.issue("ann")).is_admin
    others = [
        LocalIdentity(secret, issuer="other", client_id="c"),
        LocalIdentity(secret, issuer="i", client_id="other"),
        LocalIdentity(b"f" * 64, issuer="i", client_id="c"),
    ]
    for other in others:
        with pytest.raises(Unauthorized):
            ident.verify(other.issue("ann"))
    with pytest.raises(Unauthorized):
        ident.verify(ident.issue("ann", ttl_s=-1))
    with pytest.raises(BadRequest):
        ident.issue("no/slashes")


def test_passwords() -> None:
    table = parse_passwords("ann:s3cret, bob:pa:ss\n# comment\n")
    assert table == {"ann": "s3cret", "bob": "pa:ss"}
    assert check_password(table, "ann", "s3cret")
    assert not check_password(table, "ann", "wrong")
    assert not check_password(table, "nobody", "s3cret")
    with pytest.raises(ValueError):
        parse_passwords("ann")


def test_loopback() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "::1", "localhost", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.4", "::", "example.com"]))


def test_redaction() -> None:
    line = '127.0.0.1:5 - "WebSocket /ws?token=eyJhbGciOi.eyJzdWIiOi.sig" [accepted]'
    assert redact(line) == '127.0.0.1:5 - "WebSocket /ws?[redacted]" [accepted]'
    assert "eyJ" not in redact("Bearer eyJhbGciOiJI.eyJzdWIiOiJh.c2ln")


def test_upload_urls_expire_and_are_single_use() -> None:
    now = [1000.0]
    signer = UploadSigner(b"k" * 32, ttl_s=10, clock=lambda: now[0])
    stamp = datetime.now(UTC)
    doc = Document(
        doc_id="d1",
        owner="o",
        filename="f",
        blob_key="documents/o/d1",
        status=DocumentStatus.UPLOADING,
        created_at=stamp,
        updated_at=stamp,
    )
    url = signer.target(doc, "http://h:1/").url
    assert url.startswith("http://h:1/uploads/d1?")
    params = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    args = (params["expires"], params["nonce"], params["signature"])
    with pytest.raises(Forbidden):
        signer.claim("d2", *args)
    now[0] = 1011.0
    with pytest.raises(Forbidden, match="expired"):
        signer.claim("d1", *args)
    now[0] = 1005.0
    signer.claim("d1", *args)
    with pytest.raises(Forbidden, match="already been used"):
        signer.claim("d1", *args)


def test_sign_in_off_loopback_needs_passwords(services: Services) -> None:
    with pytest.raises(ValueError, match="RAG_LOCAL_PASSWORDS"):
        create_local_app(services, ServerOptions(host="0.0.0.0"))
    app = create_local_app(services, ServerOptions(host="0.0.0.0", passwords={"ann": "pw"}))
    # no lifespan: no threads needed for sign-in
    client = TestClient(app, base_url="http://127.0.0.1")
    for body in (
        {"username": "ann"},
        {"username": "ann", "password": "nope"},
        {"username": "bob", "password": "pw"},
    ):
        response = client.post("/auth/dev-login", json=body)
        assert response.status_code == 401, body
        assert response.json()["error"]["code"] == "unauthorized"
    good = client.post("/auth/dev-login", json={"username": "ann", "password": "pw"}).json()
    assert good["user_id"] == "ann" and good["token_type"] == "Bearer"
    me = client.get("/me", headers={"Authorization": f"Bearer {good['access_token']}"})
    assert me.json() == {"user_id": "ann", "is_admin": False}
