"""Rebuilding the index with another embedding model: the new table is filled from the stored
blobs while queries keep working, and the switch happens only when it is complete."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding
from typer.testing import CliRunner

from handlers.cli.main import app
from service.embeddings import MINILM_DIM, MINILM_MODEL_ID
from service.errors import ModelMismatch
from service.models import Document, DocumentStatus, TokenEvent
from service.reindex import RebuildFailed, rebuild_index
from service.wiring import Services, open_store
from tests.conftest import SAMPLES, ingest

HASH_DIM = 64


class HashEmbedding(BaseEmbedding):
    """A small, real bag-of-words embedding (hashed word counts): a second model to switch to."""

    model_name: str = "hash-64"

    def _vector(self, text: str) -> list[float]:
        vec = np.zeros(HASH_DIM, dtype=np.float32)
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            vec[int(hashlib.blake2b(word.encode(), digest_size=4).hexdigest(), 16) % HASH_DIM] += 1
        norm = float(np.linalg.norm(vec)) or 1.0
        return (vec / norm).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)


def test_rebuild_with_another_model_switches_only_when_complete(services: Services) -> None:
    for name in ("field-station-handbook.pdf", "visitor-faq.txt"):
        ingest(services, "alice", name, (SAMPLES / name).read_bytes())
    errors: list[BaseException] = []
    answers: list[int] = []
    stop = threading.Event()

    def keep_asking() -> None:  # the old table keeps serving during the rebuild
        while not stop.is_set():
            try:
                answers.append(len(services.chat.retriever("alice").search("radio channel")))
            except BaseException as exc:
                errors.append(exc)

    late: list[str] = []

    def on_document(doc: Document) -> None:
        if not late:  # a document arriving mid-rebuild must end up in the new table too
            late.append(ingest(services, "alice", "late.txt", b"The late ferry leaves at nine."))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        report = rebuild_index(
            services.settings,
            registry=services.registry,
            blobs=services.blobs,
            embed_model=HashEmbedding(),
            model_id="hash-64",
            dim=HASH_DIM,
            on_document=on_document,
        )
    finally:
        stop.set()
        asker.join()
    assert errors == []
    assert answers and min(answers) > 0
    assert report.documents == 3
    new = open_store(services.settings, "hash-64", HASH_DIM)
    assert (
        new.count()
        == report.chunks
        == sum(d.chunks for d in services.registry.list(None, cursor=None, limit=10).items)
    )
    assert new.count(doc_id=late[0]) > 0
    with pytest.raises(ModelMismatch):
        open_store(services.settings, MINILM_MODEL_ID, MINILM_DIM)


def test_a_failing_document_means_no_switch(services: Services) -> None:
    doc_id = ingest(services, "alice", "faq.txt", (SAMPLES / "visitor-faq.txt").read_bytes())
    doc = services.registry.get(doc_id)
    assert doc is not None
    services.blobs.delete(doc.blob_key)  # the stored file went missing
    with pytest.raises(RebuildFailed):
        rebuild_index(
            services.settings,
            registry=services.registry,
            blobs=services.blobs,
            embed_model=HashEmbedding(),
            model_id="hash-64",
            dim=HASH_DIM,
        )
    assert open_store(services.settings, MINILM_MODEL_ID, MINILM_DIM).count(doc_id=doc_id) > 0


def test_rag_reindex_all_after_changing_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_services: Callable[..., Services]
) -> None:
    data = tmp_path / "data"
    runner = CliRunner()
    pdf = SAMPLES / "field-station-handbook.pdf"
    assert runner.invoke(app, ["--data-dir", str(data), "ingest", str(pdf)]).exit_code == 0
    monkeypatch.setenv("RAG_CHUNK_SIZE", "96")
    monkeypatch.setenv("RAG_CHUNK_OVERLAP", "8")
    result = runner.invoke(app, ["--data-dir", str(data), "reindex", "--all"])
    assert result.exit_code == 0, result.output
    assert "switched from chunks to chunks-all-minilm" in result.output
    svc = make_services(data_dir=data, chunk_size=96, chunk_overlap=8)
    [doc] = svc.registry.list(None, cursor=None, limit=5).items
    assert doc.status is DocumentStatus.INDEXED
    assert svc.store.count() == doc.chunks > 14  # smaller chunks: more of them
    events = list(svc.chat.ask("local", "What is the emergency radio channel?"))
    assert "channel 16" in "".join(e.text for e in events if isinstance(e, TokenEvent))
