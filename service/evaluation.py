"""Retrieval evaluation: index a corpus through the product's own ingestion into a throw-away
data dir, ask every question through the product's retrievers, and score the ranked sections.

File formats (JSON lines, ``.gz`` optional): corpus ``{"id", "title", "text"}``; questions
``{"id", "question", "relevant": [corpus ids], "split"?: "tune" | "test"}``. Each corpus entry
becomes one document, so relevance is judged by section: a retrieved chunk counts for the entry
it came from, and a section's rank is that of its best chunk (max-score aggregation).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from service.config import Settings
from service.maintenance import run_maintenance
from service.models import DocumentStatus
from service.retrieval import FusionWeights, HybridRetriever, RetrievalMode
from service.wiring import Services, build_services

EVAL_OWNER = "eval"
KS = (1, 5, 10)
MAX_K = 10


@dataclass(frozen=True)
class Section:
    """One corpus entry (one document in the index)."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    """One query with the ids of the sections that answer it."""

    id: str
    question: str
    relevant: tuple[str, ...]
    split: str = "all"


@dataclass(frozen=True)
class System:
    """A named retrieval configuration to evaluate on one index."""

    name: str
    mode: RetrievalMode
    weights: FusionWeights | None = None
    candidates: int | None = None


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

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._inner.get_query_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSON-lines file (gzip-compressed if the name ends in ``.gz``)."""
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_corpus(path: Path) -> list[Section]:
    """The corpus entries of ``path``."""
    return [
        Section(str(r["id"]), str(r.get("title", "")), str(r["text"])) for r in read_jsonl(path)
    ]


def load_questions(path: Path) -> list[Question]:
    """The questions of ``path``."""
    return [
        Question(str(r["id"]), str(r["question"]), tuple(r["relevant"]), str(r.get("split", "all")))
        for r in read_jsonl(path)
    ]


def subset(
    corpus: Sequence[Section],
    questions: Sequence[Question],
    *,
    limit_docs: int | None,
    limit_questions: int | None,
) -> tuple[list[Section], list[Question]]:
    """A deterministic subset: the first questions, their relevant sections, then other
    sections in file order up to ``limit_docs`` (questions whose answer is cut are dropped)."""
    qs = list(questions[:limit_questions] if limit_questions else questions)
    if not limit_docs or limit_docs >= len(corpus):
        return list(corpus), qs
    wanted = {rid for q in qs for rid in q.relevant}
    keep = [s for s in corpus if s.id in wanted][:limit_docs]
    keep += [s for s in corpus if s.id not in wanted][: max(0, limit_docs - len(keep))]
    kept = {s.id for s in keep}
    return keep, [q for q in qs if all(r in kept for r in q.relevant)]


def document_bytes(section: Section) -> bytes:
    """The uploaded file for a section: its title as the first line, then its text."""
    return (f"{section.title}\n\n{section.text}" if section.title else section.text).encode()


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
    if embed_model is None:
        from service.providers import build_embedding

        embed_model, _, _ = build_embedding(settings)
    model = CachedEmbedding(embed_model, cache_path) if cache_path else embed_model
    svc = build_services(settings, embed_model=model, embed_model_id=embed_model.model_name)
    started = time.monotonic()
    sections = {}
    for section in corpus:
        name = hashlib.sha1(section.id.encode()).hexdigest()[:16] + ".txt"  # noqa: S324
        doc = svc.documents.add(EVAL_OWNER, name, document_bytes(section))
        sections[doc.doc_id] = section.id
    assert svc.worker is not None
    done = [0]

    def tick(*_: object) -> None:
        done[0] += 1
        if progress:
            progress(done[0], len(sections))

    svc.worker.drain(on_done=tick)
    run_maintenance(svc.store, retention_s=settings.maintenance_retention_s)
    return _tally(EvalIndex(svc, sections, time.monotonic() - started))


def _tally(index: EvalIndex) -> EvalIndex:
    for doc_id, section in index.sections.items():
        record = index.services.registry.get(doc_id)
        index.chunks += record.chunks if record else 0
        if record is None or record.status is not DocumentStatus.INDEXED:
            index.failed.append(section)
    return index


def default_systems() -> list[System]:
    """Vector only, full text only, and the configured hybrid fusion."""
    return [System(mode.value, mode) for mode in RetrievalMode]


def retriever_for(index: EvalIndex, system: System, depth: int) -> HybridRetriever:
    """The product's retriever for ``system`` (the configured one unless it overrides fusion)."""
    chat = index.services.chat
    if system.weights is None and system.candidates is None:
        return chat.retriever(EVAL_OWNER, mode=system.mode, top_k=depth)
    settings = index.services.settings
    return HybridRetriever(
        index.services.store,
        index.services.embed_model,
        owner=EVAL_OWNER,
        top_k=depth,
        candidates=system.candidates or settings.candidates,
        weights=system.weights or settings.fusion,
        mode=system.mode,
    )


def rank_sections(index: EvalIndex, retriever: HybridRetriever, query: str) -> list[str]:
    """Section ids in order of their best chunk, at most ``MAX_K``."""
    ranked: list[str] = []
    for hit in retriever.search(query):
        section = index.sections.get(hit.doc_id)
        if section is not None and section not in ranked:
            ranked.append(section)
    return ranked[:MAX_K]


def score(ranked: Sequence[str], relevant: Iterable[str]) -> dict[str, float]:
    """recall@k, reciprocal rank and nDCG@10 (binary relevance) of one ranking."""
    rel = set(relevant)
    out = {f"recall@{k}": len(rel & set(ranked[:k])) / len(rel) for k in range(1, MAX_K + 1)}
    first = next((i for i, s in enumerate(ranked, start=1) if s in rel), None)
    out["mrr"] = 1.0 / first if first else 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, s in enumerate(ranked, start=1) if s in rel)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(rel), MAX_K) + 1))
    out["ndcg@10"] = dcg / ideal
    return out


def run_system(
    index: EvalIndex, system: System, questions: Sequence[Question], depth: int
) -> list[dict[str, Any]]:
    """Per-question scores and latency of one system."""
    retriever = retriever_for(index, system, depth)
    rows = []
    for q in questions:
        started = time.perf_counter()
        ranked = rank_sections(index, retriever, q.question)
        latency = (time.perf_counter() - started) * 1000
        rows.append(
            {"id": q.id, "split": q.split, "latency_ms": latency, **score(ranked, q.relevant)}
        )
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean metrics, the recall@1..10 curve and latency statistics of some questions."""
    n = len(rows)
    mean = {m: sum(r[m] for r in rows) / n if n else 0.0 for m in ("mrr", "ndcg@10")}
    curve = [sum(r[f"recall@{k}"] for r in rows) / n if n else 0.0 for k in range(1, MAX_K + 1)]
    latencies = sorted(r["latency_ms"] for r in rows)
    return {
        "questions": n,
        **{f"recall@{k}": round(curve[k - 1], 4) for k in KS},
        **{m: round(v, 4) for m, v in mean.items()},
        "recall_curve": [round(c, 4) for c in curve],
        "latency_ms": {
            "mean": round(statistics.fmean(latencies), 2) if n else 0.0,
            "p50": round(latencies[n // 2], 2) if n else 0.0,
            "p95": round(latencies[min(n - 1, int(n * 0.95))], 2) if n else 0.0,
            "all": [round(x, 1) for x in latencies],
        },
    }


def evaluate(
    index: EvalIndex, questions: Sequence[Question], systems: Sequence[System]
) -> dict[str, dict[str, Any]]:
    """``{split: {system: summary}}`` for every split present, plus ``all``."""
    depth = max(index.services.settings.candidates, MAX_K)
    per_system = {s.name: run_system(index, s, questions, depth) for s in systems}
    splits = sorted({q.split for q in questions} | {"all"})
    return {
        split: {
            name: summarize([r for r in rows if split == "all" or r["split"] == split])
            for name, rows in per_system.items()
        }
        for split in splits
    }
