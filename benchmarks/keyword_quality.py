"""Retrieval quality of per-owner keyword statistics (issue 13) against the full-text index's
table-wide BM25 it replaced, on the same pydocs index in the same run.

In this evaluation every document belongs to one owner, so both use the same statistics in
principle; the numbers show what the re-scoring itself (tokenizer, stemmer, lengths) costs.

Run: .venv/bin/python -m benchmarks.keyword_quality [--limit-questions N] [--text-only]
     [--index-dir DIR]   # reuse an index `rag eval --index-dir DIR` built (skips ingestion)

``--text-only`` indexes with a stand-in embedding (a hash: no model time) and compares the
full-text retriever alone, which never reads the vectors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from service import filters as f
from service.config import Settings
from service.evaluation import (
    build_index,
    default_systems,
    evaluate,
    load_corpus,
    load_questions,
    open_index,
)
from service.evaluation.indexing import EVAL_OWNER
from service.keywords import KeywordIndex
from service.retrieval import RetrievalMode
from service.vectors import _RESULT_COLUMNS, ChunkStore, Hit, _hit, _match

EVAL = Path("eval/pydocs")
CACHE = Path(".rag-data/eval-cache/embeddings.sqlite")


def table_wide_search_text(
    self: ChunkStore, text: str, *, owner: str, k: int, doc_ids: Sequence[str] | None = None
) -> list[Hit]:
    """The keyword search before issue 13: the index's own (table-wide) BM25 scores."""
    if not text.strip():
        return []
    rows = (
        self._t.search(_match(text), query_type="fts")
        .where(f.eq("owner", owner), prefilter=True)
        .select([*_RESULT_COLUMNS, "_score"])
        .limit(k)
        .to_list()
    )
    return [_hit(row, float(row["_score"])) for row in rows]


class HashEmbedding(BaseEmbedding):
    """Deterministic 8-dimensional stand-in vectors (the text retriever ignores them)."""

    model_name: str = "hash-8"

    def _vector(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        return [b / 255.0 + 0.01 for b in digest[:8]]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def keyword_index_build_s(store: ChunkStore) -> float:
    """Seconds to build the evaluation owner's keyword index from scratch (what the first
    keyword search after a change of that owner's rows pays)."""
    start = time.perf_counter()
    KeywordIndex().rows_index(store.table, f.eq("owner", EVAL_OWNER))
    return round(time.perf_counter() - start, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit-questions", type=int, default=None)
    parser.add_argument("--text-only", action="store_true")
    parser.add_argument("--index-dir", type=Path, default=None)
    args = parser.parse_args()
    systems = [s for s in default_systems() if not args.text_only or s.mode is RetrievalMode.TEXT]
    model = HashEmbedding() if args.text_only else None
    questions = load_questions(EVAL / "questions.jsonl")[: args.limit_questions]
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        corpus = load_corpus(EVAL / "corpus.jsonl.gz")
        cache = None if args.text_only else CACHE
        if args.index_dir is not None:
            settings = Settings(data_dir=args.index_dir)
            index = open_index(corpus, settings, embed_model=model, cache_path=cache)
        else:
            index = build_index(
                corpus, Settings(data_dir=Path(tmp)), embed_model=model, cache_path=cache
            )
        build_s = keyword_index_build_s(index.services.store)
        report["per_owner"] = evaluate(index, questions, systems)
        per_owner_search = ChunkStore.search_text
        ChunkStore.search_text = table_wide_search_text  # type: ignore[method-assign]
        try:
            report["table_wide"] = evaluate(index, questions, systems)
        finally:
            ChunkStore.search_text = per_owner_search  # type: ignore[method-assign]
    for variant in report.values():
        for systems in variant.values():
            for summary in systems.values():
                summary["latency_ms"].pop("all", None)
                summary.pop("recall_curve", None)
    print(json.dumps({**report, "keyword_index_build_s": build_s}, indent=2))


if __name__ == "__main__":
    main()
