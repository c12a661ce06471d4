"""Answer and reranking sweep on an index that ``rag eval --index-dir DIR`` built before.

    .venv/bin/python eval/tune_answers.py --index-dir .rag-data/eval-index-160 --out x.json

Retrieves once per question (the configured hybrid fusion, ``--depth`` chunks), then:
- reranking: the offline sentence reranker over the first d candidates for a grid of depths and
  weights, scored by section (recall@1/5, MRR) per split;
- answers: the extractive answer of every question with abstention off, its best evidence score,
  then every abstention threshold: abstention on unanswerable questions, false abstention and
  fact accuracy on answerable ones, per split. Choose on ``tune``; report ``test``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from service import evaluation as ev
from service.answer import ExtractiveAnswerer, cite
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.evidence import EvidenceScorer
from service.rerank import SentenceReranker
from service.sentences import terms
from service.vectors import Hit

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / ".rag-data" / "eval-cache" / "embeddings.sqlite"


class MemoEmbed:
    """MiniLM embeddings of sentences, memoised (the sweep embeds the same sentences often)."""

    def __init__(self, model: MiniLMEmbedding) -> None:
        self._model = model
        self._memo: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            self._memo.update(zip(missing, self._model.embed(missing), strict=True))
        return np.stack([self._memo[t] for t in texts])


def sections_of(index: ev.EvalIndex, hits: list[Hit]) -> list[str]:
    ranked: list[str] = []
    for hit in hits:
        section = index.sections.get(hit.doc_id)
        if section is not None and section not in ranked:
            ranked.append(section)
    return ranked


def retrieval_grid(
    index: ev.EvalIndex, qs: list[ev.Question], hits: dict[str, list[Hit]], embed: MemoEmbed
) -> dict[str, Any]:
    """Section metrics per split for fusion alone and the sentence reranker grid."""
    answerable = [q for q in qs if q.answerable]
    systems: dict[str, dict[str, list[Hit]]] = {"fusion": {q.id: hits[q.id] for q in answerable}}
    for depth in (8, 12, 20):
        for weight in (0.5, 1.0, 2.0):
            reranker = SentenceReranker(embed, weight=weight)
            systems[f"sentence d={depth} w={weight}"] = {
                q.id: reranker.rerank(q.question, hits[q.id][:depth], 10) + hits[q.id][depth:]
                for q in answerable
            }
    out: dict[str, Any] = {}
    for name, ranked in systems.items():
        rows = [
            {"split": q.split, **ev.score(sections_of(index, ranked[q.id]), q.relevant)}
            for q in answerable
        ]
        out[name] = {
            split: {
                m: round(float(np.mean([r[m] for r in rows if split in ("all", r["split"])])), 4)
                for m in ("recall@1", "recall@5", "recall@10", "mrr")
            }
            for split in ("tune", "test", "all")
        }
    return out


ANSWER_GRID = [
    {"passages": p, "max_sentences": m, "keep_ratio": k, "same_passage_bonus": b, "max_chars": c}
    for p in (3, 4, 6)
    for m in (3, 4, 5)
    for k in (0.7, 0.8)
    for b in (0.0, 0.05, 0.1)
    for c in (700, 1000)
]


def answer_rows(
    index: ev.EvalIndex,
    qs: list[ev.Question],
    hits: dict[str, list[Hit]],
    embed: MemoEmbed,
    config: dict[str, Any],
) -> list[dict[str, Any]]:
    """Each question's extractive answer with abstention off, and its best evidence score."""
    passages = int(config["passages"])
    scorer = EvidenceScorer(embed, passages=passages, min_score=-10.0)
    answerer = ExtractiveAnswerer(
        scorer,
        max_sentences=int(config["max_sentences"]),
        max_chars=int(config["max_chars"]),
        keep_ratio=float(config["keep_ratio"]),
        same_passage_bonus=float(config["same_passage_bonus"]),
    )
    rows = []
    for q in qs:
        top = hits[q.id][:passages]
        evidence = scorer.rank(q.question, top)
        text, sources = cite(top, answerer.choose(evidence)) if evidence else ("", [])
        cited = [index.sections.get(s.doc_id, s.doc_id) for s in sources]
        rows.append(
            {
                "id": q.id,
                "split": q.split,
                "answerable": q.answerable,
                "kind": q.kind,
                "best": evidence[0].score if evidence else -10.0,
                "best_similarity": evidence[0].similarity if evidence else -1.0,
                "fact": ev.has_fact(text, q.answer) if q.answer else None,
                "cites_relevant": bool(set(cited) & set(q.relevant)),
                "chars": len(text),
                "coverage": coverage(q.question, top),
            }
        )
    return rows


def coverage(question: str, hits: list[Hit]) -> float:
    """The share of the question's content words found anywhere in the quoted passages."""
    q_terms = terms(question)
    found = set().union(*(terms(h.text) for h in hits)) if hits else set()
    return len(q_terms & found) / max(1, len(q_terms))


def grid_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Fact accuracy, relevant citation and answer length without abstention, per split."""
    out = {}
    for split in ("tune", "test", "all"):
        ans = [r for r in rows if r["answerable"] and split in ("all", r["split"])]
        out[split] = {
            "fact_accuracy": round(float(np.mean([bool(r["fact"]) for r in ans])), 4),
            "cites_relevant": round(float(np.mean([r["cites_relevant"] for r in ans])), 4),
            "mean_chars": round(float(np.mean([r["chars"] for r in ans])), 1),
        }
    return out


def threshold_table(rows: list[dict[str, Any]], mu: float) -> list[dict[str, Any]]:
    """Abstention metrics per split for every threshold on best + mu * coverage."""
    table = []
    conf = {r["id"]: r["best"] + mu * r["coverage"] for r in rows}
    for t in np.round(np.arange(0.20, 0.90, 0.01), 2):
        entry: dict[str, Any] = {"threshold": float(t), "mu": mu}
        for split in ("tune", "test", "all"):
            sel = [r for r in rows if split in ("all", r["split"])]
            ans = [r for r in sel if r["answerable"]]
            una = [r for r in sel if not r["answerable"]]

            def rate(values: list[bool]) -> float | None:
                return round(float(np.mean(values)), 4) if values else None

            entry[split] = {
                "abstention": rate([conf[r["id"]] < t for r in una]),
                "false_abstention": rate([conf[r["id"]] < t for r in ans]),
                "fact_accuracy": rate(
                    [bool(r["fact"]) and conf[r["id"]] >= t for r in ans if r["fact"] is not None]
                ),
                "cites_relevant": rate([r["cites_relevant"] and conf[r["id"]] >= t for r in ans]),
            }
        table.append(entry)
    return table


def choose_threshold(table: list[dict[str, Any]], max_false: float = 0.05) -> dict[str, Any]:
    """The threshold with the best tuning abstention whose tuning false abstention stays within
    ``max_false`` (ties: the lower threshold)."""
    ok = [e for e in table if e["tune"]["false_abstention"] <= max_false]
    return max(ok, key=lambda e: (e["tune"]["abstention"] or 0.0, -e["threshold"]))


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=HERE / "pydocs" / "questions.jsonl")
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--no-rerank-grid", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    corpus = ev.load_corpus(HERE / "pydocs" / "corpus.jsonl.gz")
    qs = ev.load_questions(args.questions)
    model = MiniLMEmbedding()
    index = ev.open_index(
        corpus, Settings(data_dir=args.index_dir), embed_model=model, cache_path=CACHE
    )
    retriever = index.services.chat.retriever(ev.EVAL_OWNER, top_k=args.depth, rerank=False)
    started = time.monotonic()
    hits = {q.id: retriever.search(q.question) for q in qs}
    print(f"retrieved {len(qs)} questions in {time.monotonic() - started:.1f} s", file=sys.stderr)
    embed = MemoEmbed(model)
    report: dict[str, Any] = {"questions": len(qs), "depth": args.depth}
    if not args.no_rerank_grid:
        report["retrieval"] = retrieval_grid(index, qs, hits, embed)
        print(json.dumps(report["retrieval"], indent=1), file=sys.stderr)
    grid = []
    for config in ANSWER_GRID:
        grid.append({**config, **grid_summary(answer_rows(index, qs, hits, embed, config))})
    best = max(grid, key=lambda g: (g["tune"]["fact_accuracy"], -g["tune"]["mean_chars"]))
    report["answer_grid"] = grid
    report["chosen"] = best
    print(json.dumps(best), file=sys.stderr)
    rows = answer_rows(index, qs, hits, embed, best)
    report["answer_rows"] = rows
    report["thresholds"] = {}
    for mu in (0.0, 0.1, 0.2, 0.3, 0.5):
        table = threshold_table(rows, mu)
        report["thresholds"][str(mu)] = {"chosen": choose_threshold(table), "table": table}
        print(json.dumps(report["thresholds"][str(mu)]["chosen"]), file=sys.stderr)
    text = json.dumps(report)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
