"""Sharing with a group in the built web app (issue 15): the owner shares a note through the
share dialog, a group member sees it under "Shared with me" (also at phone width) and gets an
answer citing it, a non-member does not; axe audits every screen. The browser script is
``frontend/e2e/sharing.mjs``; requirements as in ``test_web_app.py`` (skips without them)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.browser.test_web_app import (
    FRONTEND,
    ROOT,
    _free_port,
    _wait_up,
    run_browser_script,
)

GROUPS = "crew:olive,mick;deck:nell"


@pytest.fixture(scope="module")
def sharing_server(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``rag serve`` whose people are in groups (``RAG_LOCAL_GROUPS``)."""
    data_dir = tmp_path_factory.mktemp("served-sharing")
    port = _free_port()
    env = {**os.environ, "RAG_LOCAL_GROUPS": GROUPS, "PYTHONUNBUFFERED": "1"}
    env.pop("RAG_LOCAL_PASSWORDS", None)
    log_path = data_dir / "server.log"
    command = [
        *(sys.executable, "-m", "handlers.cli.main", "serve", "--host", "127.0.0.1"),
        *("--port", str(port), "--data-dir", str(data_dir), "--no-samples"),
        *("--web-dir", str(FRONTEND / "dist")),
    ]
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_up(f"http://127.0.0.1:{port}/health", proc, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_shared_document_is_cited_for_a_group_member(sharing_server: str) -> None:
    env = {
        "BASE_URL": sharing_server,
        "E2E_OWNER": "olive",
        "E2E_MEMBER": "mick",
        "E2E_OUTSIDER": "nell",
        "E2E_GROUP": "crew",
    }
    result = run_browser_script("sharing.mjs", env, timeout=400)
    assert result["member_cited_shared"] and result["outsider_not_cited"]
    assert {"share-dialog", "shared-with-me", "shared-with-me-phone", "member-chat"} <= set(
        result["axe_clean"]
    )
