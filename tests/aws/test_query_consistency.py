"""The chat worker's table handle on S3 (moto): opened once per container with the question
path's read-consistency interval, it finds a document another process indexed within that
interval; writers keep strong consistency."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from llama_index.core.schema import TextNode

from handlers.aws import chat_worker
from service.config import env_name, get_settings
from service.lance_table import chunk_id
from service.wiring import build_services
from tests.aws.conftest import Stack

INTERVAL_S = 1.0


@pytest.fixture
def worker_interval(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(env_name("lancedb_query_consistency_s"), str(INTERVAL_S))
    get_settings.cache_clear()
    chat_worker._services.cache_clear()
    yield
    chat_worker._services.cache_clear()
    get_settings.cache_clear()


def test_chat_worker_answers_from_a_document_indexed_elsewhere_within_its_interval(
    stack: Stack, worker_interval: None
) -> None:
    reader = chat_worker._services()
    assert reader.settings.lancedb_read_consistency_s == INTERVAL_S
    assert chat_worker._services() is reader  # kept open across warm invocations
    writer = build_services(stack.settings())  # the ingest Lambda: strong consistency
    assert writer.settings.lancedb_read_consistency_s == 0
    owner, doc_id = f"owner-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    retriever = reader.chat.retriever(owner)
    assert retriever.search("quokka habitat") == []  # the handle has just checked the table
    text = "The quokka habitat is Rottnest Island."
    chunk = TextNode(
        id_=chunk_id(doc_id, 0),
        text=text,
        embedding=writer.embed_model.get_text_embedding(text),
        metadata={"doc_id": doc_id, "owner": owner, "filename": "q.txt", "chunk_index": 0},
    )
    writer.store.add([chunk])
    time.sleep(INTERVAL_S + 0.3)
    assert [hit.doc_id for hit in retriever.search("quokka habitat")] == [doc_id]
    assert reader.chat.retriever("someone-else").search("quokka habitat") == []
