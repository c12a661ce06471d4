"""The administrators' Usage page (issue 16) in a real headless Chromium against a real
``rag serve``: a person's questions and documents appear in the per-person table and the chart,
the page passes an axe audit, and people who are not administrators have no Usage tab.

The browser script is ``frontend/e2e/usage.mjs``; requirements as for test_web_app.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from websockets.sync.client import connect

from tests.browser.test_web_app import (
    ARTIFACTS,
    FRONTEND,
    ROOT,
    _free_port,
    _missing,
    _wait_up,
    run_browser_script,
)

ADMIN, PERSON = "usage-admin", "bob"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``rag serve`` where PERSON indexed one document and asked two questions."""
    missing = _missing()
    if missing is not None:
        if os.environ.get("RAG_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    data_dir, port = tmp_path_factory.mktemp("usage"), _free_port()
    env = {**os.environ, "RAG_ADMINS": ADMIN, "PYTHONUNBUFFERED": "1"}
    env.pop("RAG_LOCAL_PASSWORDS", None)
    command = [
        *(sys.executable, "-m", "handlers.cli.main", "serve", "--host", "127.0.0.1"),
        *("--port", str(port), "--data-dir", str(data_dir), "--no-samples"),
        *("--web-dir", str(FRONTEND / "dist")),
    ]
    with (data_dir / "server.log").open("w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_up(f"{base}/health", proc, data_dir / "server.log")
            _use(base, port)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _use(base: str, port: int) -> None:
    token = httpx.post(f"{base}/auth/dev-login", json={"username": PERSON}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    data = (ROOT / "samples" / "docs" / "visitor-faq.txt").read_bytes()
    created = httpx.post(
        f"{base}/documents", json={"filename": "visitor-faq.txt", "size": len(data)}, headers=auth
    ).json()
    target = created["upload"]
    httpx.request(target["method"], target["url"], content=data, headers=target["headers"])
    with connect(f"ws://127.0.0.1:{port}/ws?token={token}", open_timeout=10) as ws:
        while True:  # the document's INDEXED event
            event = json.loads(ws.recv(timeout=60))
            if event.get("type") == "document" and event["status"] in ("INDEXED", "FAILED"):
                assert event["status"] == "INDEXED", event
                break
        for rid in ("q1", "q2"):
            ws.send(
                json.dumps({"action": "ask", "request_id": rid, "question": "Where can I park?"})
            )
            while json.loads(ws.recv(timeout=60)).get("type") not in ("done", "error"):
                pass


def test_usage_page_for_administrators(served: str) -> None:
    env = {"BASE_URL": served, "E2E_USER": ADMIN, "E2E_PERSON": PERSON}
    result = run_browser_script("usage.mjs", env, timeout=180)
    assert result["hidden_from_others"] is True
    assert (ARTIFACTS / "screenshot-usage.png").stat().st_size > 10_000
