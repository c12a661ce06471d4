"""Retrieval quality of per-owner keyword statistics (issue 13) against the full-text index's
table-wide BM25 it replaced, on the same pydocs index in the same run.

In this evaluation every document belongs to one owner, so both use the same statistics in
principle; the numbers show what the re-scoring itself (tokenizer, stemmer, lengths) costs.

Run: .venv/bin/python -m benchmarks.keyword_quality [--limit-questions N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service import filters as f
from service.config import Settings
from service.evaluation import build_index, default_systems, evaluate, load_corpus, load_questions
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit-questions", type=int, default=None)
    args = parser.parse_args()
    questions = load_questions(EVAL / "questions.jsonl")[: args.limit_questions]
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        index = build_index(
            load_corpus(EVAL / "corpus.jsonl.gz"), Settings(data_dir=Path(tmp)), cache_path=CACHE
        )
        report["per_owner"] = evaluate(index, questions, default_systems())
        per_owner_search = ChunkStore.search_text
        ChunkStore.search_text = table_wide_search_text  # type: ignore[method-assign]
        try:
            report["table_wide"] = evaluate(index, questions, default_systems())
        finally:
            ChunkStore.search_text = per_owner_search  # type: ignore[method-assign]
    for variant in report.values():
        for systems in variant.values():
            for summary in systems.values():
                summary["latency_ms"].pop("all", None)
                summary.pop("recall_curve", None)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
