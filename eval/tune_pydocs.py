"""Tuning sweep: index the pydocs corpus once with one chunking setting (through the product's
ingestion, embeddings cached), then evaluate a grid of fusion settings on that index.

    .venv/bin/python eval/tune_pydocs.py --chunk-size 160 --chunk-overlap 24 --out x.json

Choose settings by the ``tune`` split only; the ``test`` split is reported, never tuned on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

from service import evaluation as ev
from service.config import Settings
from service.retrieval import FusionWeights, RetrievalMode

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / ".rag-data" / "eval-cache" / "embeddings.sqlite"


def grid(full: bool) -> list[ev.System]:
    """Vector, text, and weighted fusions over text weight, rrf_k and candidate depth."""
    systems = [ev.System("vector", RetrievalMode.VECTOR), ev.System("text", RetrievalMode.TEXT)]
    weights = (0.1, 0.2, 0.25, 0.35, 0.5, 1.0) if full else (0.1, 0.25, 0.5)
    for text_w, rrf_k, cand in itertools.product(
        weights, (10, 30, 60) if full else (60,), (30, 60) if full else (30,)
    ):
        systems.append(
            ev.System(
                f"hybrid t={text_w} k={rrf_k} c={cand}",
                RetrievalMode.HYBRID,
                FusionWeights(1.0, text_w, rrf_k, 0.0, 0.0),  # the first round's two-list grid
                cand,
            )
        )
    return systems


def sample(corpus: list[ev.Section], questions: list[ev.Question], n: int) -> list[ev.Section]:
    """Every answer section plus others spread evenly over the whole corpus (cheap tuning)."""
    answers = {r for q in questions for r in q.relevant}
    others = [s for s in corpus if s.id not in answers]
    step = max(1, len(others) // max(1, n - len(answers)))
    keep = answers | {s.id for s in others[::step][: n - len(answers)]}
    return [s for s in corpus if s.id in keep]


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunk-size", type=int, default=160)
    parser.add_argument("--chunk-overlap", type=int, default=24)
    parser.add_argument("--sample-docs", type=int, default=None, help="answers + spread others")
    parser.add_argument("--full-grid", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--extra", default="{}", help="more Settings fields as JSON")
    args = parser.parse_args()
    corpus = ev.load_corpus(HERE / "pydocs" / "corpus.jsonl.gz")
    questions = ev.load_questions(HERE / "pydocs" / "questions.jsonl")
    if args.sample_docs:
        corpus = sample(corpus, questions, args.sample_docs)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            chunk_size=args.chunk_size,
            chunk_overlap=args.chunk_overlap,
            **json.loads(args.extra),
        )
        index = ev.build_index(
            corpus,
            settings,
            cache_path=CACHE,
            progress=lambda d, n: (
                print(f"\r{d}/{n}", end="", file=sys.stderr) if d % 200 == 0 else None
            ),
        )
        print(f"\nindexed {len(corpus)} sections, {index.chunks} chunks in {index.seconds:.0f} s")
        started = time.monotonic()
        results = ev.evaluate(index, questions, grid(args.full_grid))
    report = {
        "chunk_size": args.chunk_size,
        "chunk_overlap": args.chunk_overlap,
        "extra": json.loads(args.extra),
        "sections": len(corpus),
        "chunks": index.chunks,
        "failed": index.failed,
        "ingest_seconds": round(index.seconds, 1),
        "eval_seconds": round(time.monotonic() - started, 1),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    best = sorted(results["tune"].items(), key=lambda kv: -kv[1]["recall@5"])[:8]
    for name, summary in best:
        test = results["test"][name]
        print(
            f"{name:32s} tune r@5 {summary['recall@5']:.3f} mrr {summary['mrr']:.3f} | "
            f"test r@5 {test['recall@5']:.3f}"
        )


if __name__ == "__main__":
    main()
