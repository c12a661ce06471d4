"""Answer-assembly variants on an index that ``rag eval --index-dir DIR`` built before.

    .venv/bin/python eval/tune_lead.py --index-dir .rag-data/eval-index-160 --out x.json

Retrieves once per question, then compares, without abstention, fact accuracy and relevant
citation per split for: passage rank penalties, and always quoting the best sentence of each of
the first ``lead_passages`` passages, with at most 5 or 6 sentences.
Choose on ``tune``; report ``test``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service import evaluation as ev
from service import evidence as evidence_module
from service.answer import ExtractiveAnswerer, cite
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.evidence import EvidenceScorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_answers import CACHE, HERE, MemoEmbed, grid_summary


def rows_for(
    index: ev.EvalIndex, qs: list[ev.Question], hits: Any, embed: MemoEmbed, lead: int, most: int
) -> list[dict[str, Any]]:
    """Each question's answer without abstention: fact, relevant citation, length."""
    scorer = EvidenceScorer(embed, passages=6, min_score=-10.0)
    answerer = ExtractiveAnswerer(scorer, max_sentences=most, lead_passages=lead)
    rows = []
    for q in qs:
        top = hits[q.id][:6]
        evidence = scorer.rank(q.question, top)
        chosen = answerer.choose(evidence) if evidence else []
        text, sources = cite(top, chosen) if chosen else ("", [])
        cited = [index.sections.get(s.doc_id, s.doc_id) for s in sources]
        rows.append(
            {
                "split": q.split,
                "answerable": q.answerable,
                "fact": ev.has_fact(text, q.answer) if q.answer else None,
                "cites_relevant": bool(set(cited) & set(q.relevant)),
                "chars": len(text),
            }
        )
    return rows


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    corpus = ev.load_corpus(HERE / "pydocs" / "corpus.jsonl.gz")
    qs = ev.load_questions(HERE / "pydocs" / "questions.jsonl")
    model = MiniLMEmbedding()
    index = ev.open_index(
        corpus, Settings(data_dir=args.index_dir), embed_model=model, cache_path=CACHE
    )
    retriever = index.services.chat.retriever(ev.EVAL_OWNER, top_k=20, rerank=False)
    hits = {q.id: retriever.search(q.question) for q in qs}
    embed = MemoEmbed(model)
    report = {}
    variants = [(p, lead, 5) for p in (0.02, 0.0, 0.05) for lead in (0, 1)]
    variants += [(0.02, lead, most) for lead in (1, 2, 3) for most in (5, 6)]
    for penalty, lead, most in variants:
        evidence_module.RANK_PENALTY = penalty
        name = f"rank_penalty={penalty} lead_passages={lead} max_sentences={most}"
        report[name] = grid_summary(rows_for(index, qs, hits, embed, lead, most))
        print(name, json.dumps(report[name]), file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
