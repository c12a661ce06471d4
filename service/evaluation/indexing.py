"""Evaluation indexes: a corpus indexed through the product's own ingestion (documents, queue,
worker, chunking, embedding, LanceDB, maintenance) into a throw-away data dir, with chunk
embeddings cached on disk so repeated tuning runs pay only for what they have not seen."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from service.bulk import wait_for
from service.config import Settings
from service.errors import BadRequest
from service.evaluation.data import Section, document_bytes
from service.maintenance import run_maintenance
from service.models import DocumentStatus
from service.wiring import Services, build_services

EVAL_OWNER = "eval"
BUILT_WITH = "eval-index.json"  # in the data dir: the chunking an index was built with


def _chunking(settings: Settings) -> dict[str, Any]:
    return {
        "embed_provider": str(settings.embed_provider),
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
    }


@dataclass
class EvalIndex:
    """An indexed corpus: the services over it and the map from doc_id to section id."""

    services: Services
    sections: dict[str, str]
    seconds: float
    chunks: int = 0
    failed: list[str] = field(default_factory=list)


class CachedEmbedding(BaseEmbedding):
    """Wraps a model and keeps text embeddings in a SQLite file keyed by model and text hash,
    so repeated tuning runs embed only chunks they have not seen. Queries are never cached:
    their latency is part of what is measured."""

    _inner: BaseEmbedding = PrivateAttr()
    _db: sqlite3.Connection = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, inner: BaseEmbedding, path: Path) -> None:
        super().__init__(model_name=inner.model_name, embed_batch_size=inner.embed_batch_size)
        self._inner = inner
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB)")

    @classmethod
    def class_name(cls) -> str:
        return "CachedEmbedding"

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_name}\0{text}".encode()).hexdigest()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        with self._lock:
            found = {
                k: np.frombuffer(v, dtype=np.float32).tolist()
                for k, v in self._db.execute(
                    f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(keys))})", keys
                )
            }
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            new = self._inner.get_text_embedding_batch([texts[i] for i in missing])
            rows = [
                (keys[i], np.asarray(v, dtype=np.float32).tobytes())
                for i, v in zip(missing, new, strict=True)
            ]
            with self._lock, self._db:
                self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)", rows)
            found.update((keys[i], list(v)) for i, v in zip(missing, new, strict=True))
        return [found[k] for k in keys]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of ``texts`` from the model itself, never the cache: the answerer's
        sentence embeddings are part of the answer time that is measured."""
        inner = getattr(self._inner, "embed", None)
        if callable(inner):
            return np.asarray(inner(texts), dtype=np.float32)
        vectors = np.asarray(self._inner.get_text_embedding_batch(texts), dtype=np.float32)
        unit: np.ndarray = vectors / np.maximum(
            np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9
        )
        return unit

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._inner.get_query_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def build_index(
    corpus: Sequence[Section],
    settings: Settings,
    *,
    embed_model: Any = None,
    cache_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalIndex:
    """Index ``corpus`` with the product's ingestion (documents, queue, worker) into
    ``settings.data_dir``, then run maintenance so the full-text index covers every row."""
    svc = _services(settings, embed_model, cache_path)
    started = time.monotonic()
    sections, docs = {}, []
    for section in corpus:
        name = section.id if section.raw is not None else _file_name(section.id)
        docs.append(svc.documents.add(EVAL_OWNER, name, document_bytes(section)))
        sections[docs[-1].doc_id] = section.id
    done = [0]

    def tick(*_: object) -> None:
        done[0] += 1
        if progress:
            progress(done[0], len(sections))

    wait_for(svc, docs, on_done=tick)
    run_maintenance(svc.store, retention_s=settings.maintenance_retention_s)
    (settings.data_dir / BUILT_WITH).write_text(json.dumps(_chunking(settings)))
    return _tally(EvalIndex(svc, sections, time.monotonic() - started))


def _tally(index: EvalIndex) -> EvalIndex:
    for doc_id, section in index.sections.items():
        record = index.services.registry.get(doc_id)
        index.chunks += record.chunks if record else 0
        if record is None or record.status is not DocumentStatus.INDEXED:
            index.failed.append(section)
    return index


def open_index(
    corpus: Sequence[Section],
    settings: Settings,
    *,
    embed_model: Any = None,
    cache_path: Path | None = None,
) -> EvalIndex:
    """The index that an earlier ``build_index`` left in ``settings.data_dir`` (the sections
    are found again by file name), so tuning runs skip ingestion entirely. ``BadRequest`` if
    it was built with another chunking or embedding than ``settings`` ask for."""
    built = settings.data_dir / BUILT_WITH
    if built.exists() and json.loads(built.read_text()) != _chunking(settings):
        raise BadRequest(
            f"the index in {settings.data_dir} was built with {built.read_text()}, not "
            f"{json.dumps(_chunking(settings))}: use another index directory"
        )
    svc = _services(settings, embed_model, cache_path)
    by_name = {(s.id if s.raw is not None else _file_name(s.id)): s.id for s in corpus}
    sections: dict[str, str] = {}
    cursor: str | None = None
    while True:
        page = svc.registry.list(EVAL_OWNER, cursor=cursor, limit=1000)
        sections.update(
            (d.doc_id, by_name[d.filename]) for d in page.items if d.filename in by_name
        )
        cursor = page.next_cursor
        if not cursor:
            break
    return _tally(EvalIndex(svc, sections, 0.0))


def _services(settings: Settings, embed_model: Any, cache_path: Path | None) -> Services:
    if embed_model is None:
        from service.providers import build_embedding

        embed_model, _, _ = build_embedding(settings)
    model = CachedEmbedding(embed_model, cache_path) if cache_path else embed_model
    return build_services(settings, embed_model=model, embed_model_id=embed_model.model_name)


def _file_name(section_id: str) -> str:
    return hashlib.sha1(section_id.encode()).hexdigest()[:16] + ".txt"  # noqa: S324
