"""Answer-assembly variants on an index that ``rag eval --index-dir DIR`` built before.

    .venv/bin/python eval/tune_lead.py --index-dir .rag-data/eval-index-160 --out x.json

Retrieves once per question, then compares, without abstention, fact accuracy and relevant
citation per split for: the default assembly; always quoting the top-ranked passage's best
sentence ("lead"), first or where its score puts it; and other passage rank penalties.
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
from service.evidence import Evidence, EvidenceScorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_answers import CACHE, HERE, MemoEmbed, grid_summary


def with_lead(chosen: list[Evidence], evidence: list[Evidence], first: bool) -> list[Evidence]:
    """``chosen`` plus the top passage's best sentence if missing (replacing the last one)."""
    if not evidence or any(e.rank == 0 for e in chosen):
        return chosen
    lead = next((e for e in evidence if e.rank == 0), None)
    if lead is None:
        return chosen
    kept = chosen[:-1] if len(chosen) >= 5 else chosen
    return [lead, *kept] if first else [*kept, lead]


def rows_for(
    index: ev.EvalIndex, qs: list[ev.Question], hits: Any, embed: MemoEmbed, lead: str
) -> list[dict[str, Any]]:
    scorer = EvidenceScorer(embed, passages=6, min_score=-10.0)
    answerer = ExtractiveAnswerer(scorer, quote_lead=False)
    rows = []
    for q in qs:
        top = hits[q.id][:6]
        evidence = scorer.rank(q.question, top)
        chosen = answerer.choose(evidence) if evidence else []
        if lead != "none":
            chosen = with_lead(chosen, evidence, lead == "first")
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
    for penalty in (0.02, 0.0, 0.05):
        evidence_module.RANK_PENALTY = penalty
        for lead in ("none", "first", "last"):
            name = f"rank_penalty={penalty} lead={lead}"
            report[name] = grid_summary(rows_for(index, qs, hits, embed, lead))
            print(name, json.dumps(report[name]), file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
