"""Retrieval metrics: ask every answerable question through the product's retrievers and score
the ranked sections. A retrieved chunk counts for the entry it came from, and a section's rank
is that of its best chunk (max-score aggregation)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from service.evaluation.data import Question
from service.evaluation.indexing import EVAL_OWNER, EvalIndex
from service.retrieval import FusionWeights, HybridRetriever, RetrievalMode

KS = (1, 5, 10)
MAX_K = 10


@dataclass(frozen=True)
class System:
    """A named retrieval configuration to evaluate on one index."""

    name: str
    mode: RetrievalMode
    weights: FusionWeights | None = None
    candidates: int | None = None


def default_systems() -> list[System]:
    """Vector only, full text only, and the configured hybrid fusion."""
    return [System(mode.value, mode) for mode in RetrievalMode]


def retriever_for(index: EvalIndex, system: System, depth: int) -> HybridRetriever:
    """The product's retriever for ``system`` (the configured one unless it overrides fusion;
    a configured reranker applies to hybrid only: vector and text are the single retrievers)."""
    chat = index.services.chat
    if system.weights is None and system.candidates is None:
        hybrid = system.mode is RetrievalMode.HYBRID
        return chat.retriever(EVAL_OWNER, mode=system.mode, top_k=depth, rerank=hybrid)
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
    """``{split: {system: summary}}`` for every split present, plus ``all`` (answerable
    questions only: an unanswerable one has no relevant section to rank)."""
    depth = max(index.services.settings.candidates, MAX_K)
    questions = [q for q in questions if q.answerable]
    per_system = {s.name: run_system(index, s, questions, depth) for s in systems}
    splits = sorted({q.split for q in questions} | {"all"})
    return {
        split: {
            name: summarize([r for r in rows if split == "all" or r["split"] == split])
            for name, rows in per_system.items()
        }
        for split in splits
    }
