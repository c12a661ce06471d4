"""``rag serve`` itself: first start queues the samples once, serves the web app and its
config; an expired upload URL is refused; killed mid-ingestion, the restarted server finishes
the document; a second start adds no duplicate samples."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import SAMPLES
from tests.server.client import Chat, bearer, create, get_doc, login, send_upload, upload
from tests.server.conftest import Server, rag_serve

FACT = "The lighthouse keeper's cat is named Quillon Barnaby."


def demo_docs(srv: Server) -> list[dict[str, object]]:
    page = httpx.get(
        f"{srv.url}/documents", params={"limit": 200}, headers=bearer(login(srv, "demo"))
    ).json()
    return list(page["items"])


def wait_all_indexed(srv: Server, count: int, timeout_s: float = 90) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        docs = demo_docs(srv)
        if len(docs) == count and all(d["status"] == "INDEXED" for d in docs):
            return docs
        time.sleep(0.2)
    raise AssertionError(f"samples not indexed: {demo_docs(srv)}")


def long_text(words: int = 8_000) -> bytes:
    """A long document (hundreds of chunks) with one fact near the end."""
    rng = random.Random(7)
    vocab = (
        "tide kelp survey buoy station ridge harbor sample transect quadrat otter urchin "
        "current depth salinity logbook diver boat anchor weather storm beacon"
    ).split()
    sentences = [
        " ".join(rng.choice(vocab) for _ in range(12)).capitalize() + "."
        for _ in range(words // 12)
    ]
    sentences.insert(len(sentences) - 5, FACT)
    return "\n".join(sentences).encode()


@dataclass
class FirstStart:
    server: Server
    root: Path


@pytest.fixture(scope="module")
def first_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstStart]:
    root = tmp_path_factory.mktemp("serve")
    (root / "web").mkdir()
    (root / "web" / "index.html").write_text("<!doctype html><title>the web app</title>")
    srv = rag_serve(root, RAG_UPLOAD_URL_TTL_S="2", RAG_SERVER_VISIBILITY_TIMEOUT_S="1").start()
    yield FirstStart(srv, root)
    srv.stop()


def test_first_start_ingests_samples_and_serves_the_web_app(first_start: FirstStart) -> None:
    srv = first_start.server
    docs = wait_all_indexed(srv, len(list(SAMPLES.iterdir())))
    assert sorted(d["filename"] for d in docs) == sorted(p.name for p in SAMPLES.iterdir())
    assert "sign in with any user name" in srv.log() and srv.url.split(":")[-1] in srv.log()
    assert "the web app" in httpx.get(f"{srv.url}/").text
    config = httpx.get(f"{srv.url}/config.json").json()
    assert config == {
        "mode": "local",
        "apiUrl": srv.url,
        "wsUrl": srv.ws_url,
        "auth": {"type": "local"},
    }
    assert httpx.get(f"{srv.url}/documents").status_code == 401, "API routes win over files"
    deep_link = httpx.get(f"{srv.url}/chat/42", headers={"Accept": "text/html"})
    assert deep_link.status_code == 200 and "the web app" in deep_link.text
    assert httpx.get(f"{srv.url}/missing.js").status_code == 404
    secret = srv.data_dir / "server-secret"
    assert secret.stat().st_mode & 0o777 == 0o600


def test_expired_upload_url_is_refused(first_start: FirstStart) -> None:
    srv = first_start.server
    token = login(srv, "kim")
    created = create(srv, token, "late.txt")
    time.sleep(3.1)  # RAG_UPLOAD_URL_TTL_S=2 on this server
    response = send_upload(created["upload"], b"Too late.")
    assert response.status_code == 403 and "expired" in response.json()["error"]["message"]
    assert get_doc(srv, token, created["document"]["doc_id"]).json()["status"] == "UPLOADING"


@pytest.fixture(scope="module")
def restarted(first_start: FirstStart) -> Iterator[tuple[Server, str, str]]:
    """Kill the server (SIGKILL) while it ingests a long document, then start it again."""
    srv = first_start.server
    wait_all_indexed(srv, len(list(SAMPLES.iterdir())))
    token = login(srv, "lars")
    doc = upload(srv, token, "long-log.txt", long_text())
    deadline = time.monotonic() + 60
    while get_doc(srv, token, doc["doc_id"]).json()["status"] != "PROCESSING":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    srv.kill()
    assert get_status_offline(srv) is None
    with sqlite3.connect(srv.data_dir / "rag.sqlite3") as db:  # the server is dead: look inside
        row = db.execute("SELECT status FROM documents WHERE doc_id = ?", (doc["doc_id"],))
        assert row.fetchone() == ("PROCESSING",), "killed in the middle of the ingestion"
    srv.args[srv.args.index("--web-dir") + 1] = str(first_start.root / "no-web-app")
    yield srv.start(), token, doc["doc_id"]
    srv.stop()


def get_status_offline(srv: Server) -> int | None:
    try:
        return httpx.get(f"{srv.url}/health", timeout=1).status_code
    except httpx.TransportError:
        return None


def test_killed_ingestion_completes_after_restart(restarted: tuple[Server, str, str]) -> None:
    srv, token, doc_id = restarted
    deadline = time.monotonic() + 120
    while (doc := get_doc(srv, token, doc_id).json())["status"] != "INDEXED":
        assert doc["status"] in ("PROCESSING", "QUEUED"), doc
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert doc["chunks"] > 20
    with Chat(srv, token) as chat:
        chat.ask("cat", "What is the lighthouse keeper's cat called?")
        answer = chat.answer("cat")
    assert "Quillon Barnaby" in answer.text
    assert {s["doc_id"] for s in answer.sources} == {doc_id}


def test_second_start_adds_no_duplicate_samples(restarted: tuple[Server, str, str]) -> None:
    srv = restarted[0]
    docs = wait_all_indexed(srv, len(list(SAMPLES.iterdir())))
    assert len({d["filename"] for d in docs}) == len(docs)
    assert "web app has not been built" in httpx.get(f"{srv.url}/").text
