"""A running server follows ``rag reindex --all`` run beside it: its next question is answered
from the new table, even once maintenance has dropped the old one, and new uploads are
indexed into the new table. No restart."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.catalog import active_table_name
from service.config import Settings
from service.wiring import open_db
from tests.server.client import Chat, login, upload, wait_status
from tests.server.conftest import RAG, Server, rag_serve

FERRY = b"The ferry to Skerry Island leaves the north pier at nine every morning."
OWL = b"A snowy owl has nested on the radio mast since March."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = rag_serve(tmp_path_factory.mktemp("switch"), RAG_CATALOG_CHECK_S="0.5")
    srv.args.append("--no-samples")
    yield srv.start()
    srv.stop()


def rag(srv: Server, *args: str, **env: str) -> str:
    result = subprocess.run(
        [RAG, *args],
        env={**os.environ, "RAG_DATA_DIR": str(srv.data_dir), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def ask(srv: Server, token: str, rid: str, question: str) -> set[str]:
    with Chat(srv, token) as chat:
        chat.ask(rid, question)
        answer = chat.answer(rid)
    assert answer.end["type"] == "done", answer.end
    return {s["doc_id"] for s in answer.sources}


def test_server_follows_a_rebuild_made_beside_it(server: Server) -> None:
    token = login(server, "lena")
    ferry = upload(server, token, "ferry.txt", FERRY)["doc_id"]
    wait_status(server, token, ferry, "INDEXED")
    assert ferry in ask(server, token, "q1", "When does the ferry to Skerry leave?")

    out = rag(server, "reindex", "--all", RAG_CHUNK_SIZE="96", RAG_CHUNK_OVERLAP="8")
    assert "switched from chunks to" in out
    time.sleep(1.0)  # past the server's catalog check interval
    assert ferry in ask(server, token, "q2", "When does the ferry to Skerry leave?")

    dropped = rag(server, "maintain", "--retention-s", "0")
    assert "dropped retired table chunks" in dropped
    assert ferry in ask(server, token, "q3", "When does the ferry to Skerry leave?")

    owl = upload(server, token, "owl.txt", OWL)["doc_id"]
    wait_status(server, token, owl, "INDEXED")
    assert owl in ask(server, token, "q4", "What nested on the radio mast?")
    db = open_db(Settings(data_dir=Path(server.data_dir)))
    table = db.open_table(active_table_name(db, "chunks"))
    assert table.count_rows(f"doc_id = '{owl}'") > 0  # indexed into the active table
