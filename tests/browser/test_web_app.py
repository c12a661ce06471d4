"""The built web app in a real headless Chromium against a real ``rag serve``.

The browser script (``frontend/e2e/web-app.mjs``, playwright-core driving Debian's
``/usr/bin/chromium``; no browser download) signs in, uploads documents, watches them reach
INDEXED, asks questions, checks streaming, citations, inert model output, stop, phone width and
delete. Screenshots land in ``test-artifacts/browser/``.

Needs: ``apt-get install chromium``, ``cd frontend && npm ci && npm run build``. Without them the
test skips, unless ``RAG_REQUIRE_BROWSER=1`` (set it in CI) turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("RAG_CHROMIUM", "/usr/bin/chromium"))
ADMIN = "e2e-admin"
OTHER = "bob"


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} missing: apt-get install -y chromium"
    if not (FRONTEND / "node_modules" / "playwright-core").is_dir():
        return "frontend dependencies missing: cd frontend && npm ci"
    if not (FRONTEND / "dist" / "index.html").is_file():
        return "web app not built: cd frontend && npm run build"
    return None


@pytest.fixture(scope="module")
def requirements() -> None:
    missing = _missing()
    if missing is None:
        return
    if os.environ.get("RAG_REQUIRE_BROWSER") == "1":
        pytest.fail(missing)
    pytest.skip(missing)


def run_browser_script(script: str, env: dict[str, str], *, timeout: float) -> dict[str, Any]:
    """Run ``frontend/e2e/{script}`` with ``env`` (plus the artifacts folder and Chromium); its
    last output line, a JSON report, which must say ``ok``."""
    run = subprocess.run(
        ["node", f"e2e/{script}"],
        cwd=FRONTEND,
        env={**os.environ, "ARTIFACTS": str(ARTIFACTS), "CHROMIUM": str(CHROMIUM), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = run.stdout.strip().splitlines()
    assert lines, f"no output from the browser script\n{run.stderr}"
    result: dict[str, Any] = json.loads(lines[-1])
    assert result["ok"] and run.returncode == 0, f"{result}\n{run.stderr}"
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``rag serve`` on a free loopback port with a fresh data dir."""
    data_dir = tmp_path_factory.mktemp("served")
    port = _free_port()
    env = {**os.environ, "RAG_ADMINS": ADMIN, "PYTHONUNBUFFERED": "1"}
    env.pop("RAG_LOCAL_PASSWORDS", None)
    log = (data_dir / "server.log").open("w")
    command = [
        *(sys.executable, "-m", "handlers.cli.main", "serve", "--host", "127.0.0.1"),
        *("--port", str(port), "--data-dir", str(data_dir), "--no-samples"),
        *("--web-dir", str(FRONTEND / "dist")),
    ]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{base}/health", proc, data_dir / "server.log")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_dir / "server.log", ARTIFACTS / "server.log")


def _wait_up(url: str, proc: subprocess.Popen[bytes], log: Path | None = None) -> None:
    """Wait until ``url`` answers 200 (fails fast if the process exits)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{url}: the process exited early\n{log.read_text() if log else ''}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not come up\n{log.read_text() if log else ''}")


def _upload_as(base: str, user: str, path: Path) -> None:
    """Another user's document, added through the same REST + upload protocol."""
    token = httpx.post(f"{base}/auth/dev-login", json={"username": user}).json()["access_token"]
    data = path.read_bytes()
    created = httpx.post(
        f"{base}/documents",
        json={"filename": path.name, "size": len(data), "content_type": "text/plain"},
        headers={"Authorization": f"Bearer {token}"},
    )
    created.raise_for_status()
    upload = created.json()["upload"]
    httpx.request(upload["method"], upload["url"], content=data, headers=upload["headers"])


def test_web_app_end_to_end(server: str) -> None:
    _upload_as(server, OTHER, ROOT / "samples" / "docs" / "data-pipeline.md")
    env = {
        "BASE_URL": server,
        "SAMPLES": str(ROOT / "samples" / "docs"),
        "E2E_USER": ADMIN,
        "E2E_OTHER_USER": OTHER,
        "E2E_OTHER_FILE": "data-pipeline.md",
    }
    if os.environ.get("RAG_UPDATE_SCREENSHOTS") == "1":
        env["DOCS_DIR"] = str(ROOT / "docs")
    result = run_browser_script("web-app.mjs", env, timeout=300)
    print(json.dumps(result, indent=2))
    for name in ("chat", "documents", "chat-phone", "documents-phone", "conversations-phone"):
        assert (ARTIFACTS / f"screenshot-{name}.png").stat().st_size > 10_000
    # issue 15: the rating given in the browser reached the admins' export
    assert result["conversation_resumed_after_reload"] and result["feedback_stored"]
    token = httpx.post(f"{server}/auth/dev-login", json={"username": ADMIN}).json()["access_token"]
    exported = httpx.get(f"{server}/feedback", headers={"Authorization": f"Bearer {token}"})
    records = [json.loads(line) for line in exported.text.splitlines()]
    assert [(r["rating"], r["comment"], r["question"]) for r in records] == [
        ("down", "the page is right, the wording is not", "Who leads Project Atlas?")
    ]
