"""The abstention gate, chosen on the tune halves of both answer sets (issue 12).

    .venv/bin/python eval/tune_choice.py --index-dir .rag-data/eval-index-160 --out choice.json
    .venv/bin/python eval/tune_gate.py choice.json

Gate: answer when best sentence score (without its position prior) + mu x coverage (the share
of the question's words in the quoted passages) >= threshold. Rows: the pydocs questions (the
``default`` variant's rows of ``tune_choice.py``) and the sample-documents answer set
(``tests/eval/data/samples-answers.jsonl``, indexed here into a temporary directory). Rule:
on the pooled tune halves, the highest abstention on unanswerable questions with false
abstention <= 0.05 (ties: lower false abstention, smaller mu, lower threshold). Prints the
chosen gate and each half's rates under it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from service import evaluation as ev
from service.config import Settings
from service.evidence import coverage
from service.providers import build_scorer

ROOT = Path(__file__).resolve().parent.parent


def samples_rows() -> list[dict[str, Any]]:
    """Gate signals of the sample-documents answer set, over a fresh index of samples/docs."""
    qs = ev.load_questions(ROOT / "tests" / "eval" / "data" / "samples-answers.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        index = ev.build_index(ev.load_corpus(ROOT / "samples" / "docs"), settings)
        scorer = build_scorer(settings, index.services.embed_model)
        retriever = index.services.chat.retriever(ev.EVAL_OWNER)
        rows = []
        for q in qs:
            hits = retriever.search(q.question)
            evidence = scorer.rank(q.question, hits)
            rows.append(
                {
                    "id": q.id,
                    "split": q.split,
                    "answerable": q.answerable,
                    "best": max((e.score - e.prior for e in evidence), default=-10.0),
                    "coverage": coverage(q.question, hits[: scorer.passages]),
                }
            )
    return rows


def rates(rows: list[dict[str, Any]], mu: float, threshold: float) -> tuple[float, float]:
    """(abstention on unanswerable, false abstention on answerable) under one gate."""
    refused = {r["id"]: r["best"] + mu * r["coverage"] < threshold for r in rows}
    una = [refused[r["id"]] for r in rows if not r["answerable"]]
    ans = [refused[r["id"]] for r in rows if r["answerable"]]
    return float(np.mean(una)) if una else 0.0, float(np.mean(ans)) if ans else 0.0


def choose(pydocs: list[dict[str, Any]], samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The gate by the rule above, with every half's rates."""
    pooled = [r for r in pydocs + samples if r["split"] == "tune"]
    best: tuple[Any, ...] | None = None
    for mu in np.round(np.arange(0.0, 1.01, 0.1), 1):
        for t in np.round(np.arange(0.3, 1.0, 0.01), 2):
            una, false = rates(pooled, mu, t)
            if false <= 0.05 and (best is None or (una, -false, -mu, -t) > best[0]):
                best = ((una, -false, -mu, -t), float(mu), float(t))
    assert best is not None
    _, mu, t = best
    halves = {
        f"{name} {split}": rates([r for r in rows if r["split"] == split], mu, t)
        for name, rows in (("pydocs", pydocs), ("samples", samples))
        for split in ("tune", "test")
    }
    return {"mu": mu, "threshold": t, "pooled tune": rates(pooled, mu, t), **halves}


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser()
    parser.add_argument("choice", type=Path, help="tune_choice.py --out JSON")
    args = parser.parse_args()
    pydocs = json.loads(args.choice.read_text())["default"]["rows"]
    print(json.dumps(choose(pydocs, samples_rows()), indent=1))


if __name__ == "__main__":
    main()
