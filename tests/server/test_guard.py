"""DNS rebinding and cross-site requests: the local server answers only to its own host names
and origins (probed against the real server process)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from handlers.local.server import ServerOptions, create_local_app
from tests.server.client import bearer, login
from tests.server.conftest import Server


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io"])
def test_foreign_host_is_refused(server: Server, host: str) -> None:
    for method, path, body in (
        ("GET", "/health", None),
        ("POST", "/auth/dev-login", {"username": "demo"}),
        ("GET", "/config.json", None),
    ):
        response = httpx.request(method, f"{server.url}{path}", json=body, headers={"Host": host})
        assert response.status_code == 400, (host, path)
        assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:1234", "[::1]:80"])
def test_loopback_names_are_served(server: Server, host: str) -> None:
    response = httpx.get(f"{server.url}/health", headers={"Host": host})
    assert response.status_code == 200


def test_foreign_origin_is_refused_on_rest(server: Server) -> None:
    token = login(server, "rebind")
    for origin in ("http://evil.example", "http://localhost:1", "null"):
        response = httpx.get(f"{server.url}/documents", headers={**bearer(token), "Origin": origin})
        assert response.status_code == 403, origin
        assert response.json()["error"]["code"] == "forbidden"
        sign_in = httpx.post(
            f"{server.url}/auth/dev-login", json={"username": "demo"}, headers={"Origin": origin}
        )
        assert sign_in.status_code == 403, origin
    same = httpx.get(f"{server.url}/documents", headers={**bearer(token), "Origin": server.url})
    assert same.status_code == 200


def test_foreign_origin_websocket_is_closed_before_accept(server: Server) -> None:
    token = login(server, "rebind")
    for origin in ("http://evil.example", f"http://evil.example:{server.port}"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{server.ws_url}?token={token}", origin=origin).close()  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403
    with connect(f"{server.ws_url}?token={token}", origin=server.url) as ws:  # type: ignore[arg-type]
        ws.send('{"action": "ping"}')
        assert "pong" in str(ws.recv(timeout=10))


def test_foreign_host_websocket_is_closed_before_accept(server: Server) -> None:
    token = login(server, "rebind")
    with pytest.raises(InvalidStatus) as refused:
        connect(
            f"{server.ws_url}?token={token}",
            additional_headers={"Host": "evil.example"},
        ).close()
    assert refused.value.response.status_code == 403


def test_configured_public_host_and_origin_are_served(make_services: Any) -> None:
    services = make_services(public_hosts="rag.example.org", allowed_origins="http://dev:5173")
    app = create_local_app(services, ServerOptions(host="0.0.0.0", passwords={"ann": "pw"}))
    public = TestClient(app, base_url="http://rag.example.org:8000")
    assert public.get("/health").status_code == 200
    assert public.get("/health", headers={"Origin": "http://dev:5173"}).status_code == 200
    assert (
        public.get("/health", headers={"Origin": "http://rag.example.org:8000"}).status_code == 200
    )
    assert public.get("/health", headers={"Origin": "http://rag.example.org"}).status_code == 403
    other = TestClient(app, base_url="http://other.example.org")
    assert other.get("/health").status_code == 400


HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def test_every_page_has_the_security_headers(make_services: Any, tmp_path: Path) -> None:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>app</title>")
    app = create_local_app(make_services(), ServerOptions(host="127.0.0.1", web_dir=web))
    client = TestClient(app, base_url="http://127.0.0.1")
    for path in ("/", "/index.html", "/config.json", "/health", "/docs", "/openapi.json", "/nope"):
        response = client.get(path, headers={"Accept": "text/html"})
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_api_docs_load_nothing_from_elsewhere(make_services: Any) -> None:
    app = create_local_app(make_services(), ServerOptions(host="127.0.0.1"))
    client = TestClient(app, base_url="http://127.0.0.1")
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assert "<script>" not in html.replace(" ", "")  # no inline script (CSP forbids it)
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        if src.startswith("#"):
            continue
        asset = client.get("/" + src.lstrip("/"))
        assert asset.status_code == 200, src
    assert client.get("/redoc").status_code == 404  # ReDoc's page loads from a CDN: gone
