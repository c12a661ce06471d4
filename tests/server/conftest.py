"""A real server process on a loopback port, shared by the tests of this directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
RAG = str(Path(PY).parent / "rag")
ADMIN = "admin"
MAX_UPLOAD = 300_000
PACE_S = 0.03


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server subprocess: its URL, data dir and log file."""

    def __init__(self, args: list[str], data_dir: Path, log: Path, env: dict[str, str]) -> None:
        self.args, self.data_dir, self.log_path, self.env = args, data_dir, log, env
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout_s: float = 60.0) -> Server:
        self.port = free_port()
        env = {**os.environ, **self.env, "RAG_DATA_DIR": str(self.data_dir)}
        env["RAG_PORT"] = str(self.port)
        args = [a.replace("{port}", str(self.port)) for a in self.args]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


SHARING_GROUPS = "crew:erin,frank;deck:gina"


def base_env() -> dict[str, str]:
    return {"RAG_ADMINS": ADMIN, "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The local server with paced answers (tests/server/paced_server.py), on a fresh dir."""
    root = tmp_path_factory.mktemp("server")
    env = {
        **base_env(),
        "RAG_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
        # maintenance runs often here, concurrently with everything the tests do (a retention
        # of 0 would break concurrent readers: lancedb warns so, and the default is 1 h)
        "RAG_MAINTENANCE_INTERVAL_S": "2",
        # short enough for tests/server/test_limits.py to see them act
        "RAG_UPLOAD_IDLE_TIMEOUT_S": "8",
        "RAG_HEADER_TIMEOUT_S": "4",
        "RAG_LOCAL_GROUPS": SHARING_GROUPS,  # tests/server/test_sharing.py
    }
    args = [PY, str(Path(__file__).parent / "paced_server.py"), "{port}", str(PACE_S)]
    srv = Server(args, root / "data", root / "server.log", env).start()
    yield srv
    srv.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On failure, attach the tail of each server log the test used."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            servers = value if isinstance(value, tuple) else (getattr(value, "server", value),)
            for srv in servers:
                if isinstance(srv, Server) and srv.log_path.exists():
                    tail = "\n".join(srv.log().splitlines()[-80:])
                    report.sections.append((f"server log {srv.log_path}", tail))


def rag_serve(root: Path, **env: str) -> Server:
    """A ``rag serve`` process (not started) on ``root/data``, web app from ``root/web``."""
    args = [RAG, "serve", "--web-dir", str(root / "web")]
    return Server(args, root / "data", root / "server.log", {**base_env(), **env})
