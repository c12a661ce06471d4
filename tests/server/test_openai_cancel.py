"""``rag serve`` with RAG_LLM_PROVIDER=openai over a real WebSocket: the answer streams from the
loopback OpenAI-compatible server, and the ``cancel`` action stops it and hangs up on the model
server mid-stream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_server import OpenAIServer
from tests.server.client import Chat, login, upload, wait_status
from tests.server.conftest import Server, rag_serve

KEY = "sk-serve-test-SECRET-42"


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIServer]:
    srv = OpenAIServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, model_server: OpenAIServer
) -> Iterator[Server]:
    root: Path = tmp_path_factory.mktemp("serve-openai")
    (root / "web").mkdir()
    (root / "web" / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "key").write_text(KEY)
    srv = rag_serve(
        root,
        RAG_LLM_PROVIDER="openai",
        RAG_OPENAI_BASE_URL=model_server.url,
        RAG_OPENAI_API_KEY_FILE=str(root / "key"),
        RAG_LLM_MODEL="served-model",
    )
    srv.args.append("--no-samples")
    yield srv.start()
    srv.stop()


def test_an_answer_streams_and_a_cancel_hangs_up_on_the_model_server(
    served: Server, model_server: OpenAIServer
) -> None:
    token = login(served, "alice")
    doc = upload(served, token, "station.txt", b"Radio channel 16 is for emergencies.")
    wait_status(served, token, doc["doc_id"], "INDEXED")
    with Chat(served, token) as chat:
        model_server.reset()
        model_server.replies = ["Channel 16 [1]."]
        chat.ask("q1", "Which radio channel?")
        answered = chat.answer("q1")
        assert answered.end["type"] == "done" and answered.text == "Channel 16 [1]."
        assert answered.sources[0]["filename"] == "station.txt"
        assert model_server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"

        model_server.replies = [" ".join(f"slow{i}" for i in range(200))]
        model_server.chunk_delay_s = 0.1
        chat.ask("q2", "Which radio channel?")
        first = chat.wait_for(lambda e: e.get("request_id") == "q2" and e["type"] != "conversation")
        assert first["type"] == "token"
        chat.send({"action": "cancel", "request_id": "q2"})
        cancelled = chat.answer("q2")
        assert cancelled.end["code"] == "cancelled"
        assert model_server.closed_early.wait(5), "the model server saw the connection close"
        assert model_server.chunks_sent < 100
    assert KEY not in served.log()
