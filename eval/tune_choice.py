"""Sentence choice, citation and abstention variants on an index that ``rag eval --index-dir``
built before (issue 12, second round).

    .venv/bin/python eval/tune_choice.py --index-dir .rag-data/eval-index-160 --out x.json

Retrieves once per question (kept in ``--hits`` between runs), then answers every question
with each variant of the extractive answerer, abstention off, and reports per split: fact
accuracy, relevant citation, mean length, and the ceilings (a relevant section among the
quoted passages; an expected phrase anywhere in them). Then the abstention gate for the
default variant: every threshold of best score + mu x coverage, chosen on ``tune``.
Choose on ``tune``; report ``test``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
from pathlib import Path
from typing import Any

from service import evaluation as ev
from service.answer import ExtractiveAnswerer, cite
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.evidence import Evidence, EvidenceScorer
from service.rerank import SentenceReranker
from service.vectors import Hit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_answers import CACHE, HERE, MemoEmbed, choose_threshold, coverage, threshold_table

Variant = tuple[dict[str, Any], dict[str, Any]]  # scorer and answerer keyword arguments


def load_hits(args: argparse.Namespace, qs: list[ev.Question]) -> tuple[dict[str, str], Any]:
    """``(doc_id -> section, {question id: hits})``, from ``--hits`` when it exists."""
    if args.hits and args.hits.exists():
        return pickle.loads(args.hits.read_bytes())  # noqa: S301 (our own file)
    corpus = ev.load_corpus(HERE / "pydocs" / "corpus.jsonl.gz")
    settings = Settings(data_dir=args.index_dir)
    index = ev.open_index(corpus, settings, embed_model=MiniLMEmbedding(), cache_path=CACHE)
    retriever = index.services.chat.retriever(ev.EVAL_OWNER, top_k=20, rerank=False)
    data = (index.sections, {q.id: retriever.search(q.question) for q in qs})
    if args.hits:
        args.hits.write_bytes(pickle.dumps(data))
    return data


# a sentence that leans on the one before it: a pronoun, a connective, or a list it introduces
_CONTINUES = re.compile(
    r"^(this|that|these|those|it|its|they|their|so|thus|hence|therefore|however|but|instead|"
    r"otherwise|then|also|in (this|that|such) case|for (example|instance)|because|as a result)\b",
    re.IGNORECASE,
)


def with_continuations(chosen: list[Evidence], evidence: list[Evidence]) -> list[Evidence]:
    """``chosen`` with, after each sentence, the next one of its passage when that one
    continues it (a pronoun or connective first, or after a colon). Measured, not adopted."""
    by_place = {(e.rank, e.position): e for e in evidence}
    taken = {(e.rank, e.position) for e in chosen}
    out: list[Evidence] = []
    for e in chosen:
        out.append(e)
        nxt = by_place.get((e.rank, e.position + 1))
        if nxt is None or (nxt.rank, nxt.position) in taken:
            continue
        if e.sentence.endswith(":") or _CONTINUES.match(nxt.sentence):
            out.append(nxt)
            taken.add((nxt.rank, nxt.position))
    return out


def answer_rows(
    sections: dict[str, str],
    qs: list[ev.Question],
    hits: dict[str, list[Hit]],
    answerer: ExtractiveAnswerer,
    scorer: EvidenceScorer,
    continuations: bool = False,
) -> list[dict[str, Any]]:
    """Each question's answer with abstention off: fact, citation, length, confidence."""
    rows = []
    for q in qs:
        top = hits[q.id][: scorer.passages]
        assessment = scorer.assess(q.question, top)
        chosen = answerer.choose(assessment.evidence) if assessment.evidence else []
        if continuations:
            chosen = with_continuations(chosen, assessment.evidence)
        text, sources = cite(top, chosen) if chosen else ("", [])
        cited = [sections.get(s.doc_id, s.doc_id) for s in sources]
        quoted = [sections.get(h.doc_id) for h in top]
        rows.append(
            {
                "id": q.id,
                "split": q.split,
                "answerable": q.answerable,
                "fact": ev.has_fact(text, q.answer) if q.answer else None,
                "cites_relevant": bool(set(cited) & set(q.relevant)),
                "relevant_quoted": bool(set(quoted) & set(q.relevant)),
                "fact_quoted": any(ev.has_fact(h.text, q.answer) for h in top)
                if q.answer
                else None,
                "chars": len(text),
                # the gate's signal: the best score without its position prior
                "best": max((e.score - e.prior for e in assessment.evidence), default=-10.0),
                "coverage": coverage(q.question, top),
                "confidence": assessment.confidence,
                "answer": text,
            }
        )
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per split: fact accuracy, relevant cited, their ceilings and the mean length."""
    out: dict[str, Any] = {}
    for split in ("tune", "test"):
        ans = [r for r in rows if r["answerable"] and r["split"] == split]
        n = max(1, len(ans))
        out[split] = {
            m: round(sum(bool(r[m]) for r in ans) / n, 4)
            for m in ("fact", "cites_relevant", "fact_quoted", "relevant_quoted")
        } | {"chars": round(sum(r["chars"] for r in ans) / n)}
    return out


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--hits", type=Path, default=None, help="pickle of retrieved hits")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--gate", default="default", help="variant whose gate is chosen")
    parser.add_argument("--only", nargs="*", default=None, help="variants whose name has one")
    args = parser.parse_args()
    qs = ev.load_questions(HERE / "pydocs" / "questions.jsonl")
    sections, hits = load_hits(args, qs)
    embed = MemoEmbed(MiniLMEmbedding())
    report: dict[str, Any] = {}
    for name, (scoring, answering) in VARIANTS.items():
        if args.only and not any(o in name for o in args.only):
            continue
        scorer = EvidenceScorer(embed, **{"passages": 6, **scoring, "min_score": -10.0})
        answering = dict(answering)
        depth = answering.pop("_rerank", 0)
        follow = answering.pop("continuations", False)
        ranked = hits
        if depth:
            reranker = SentenceReranker(embed)
            ranked = {
                q.id: reranker.rerank(q.question, hits[q.id][:depth], depth) + hits[q.id][depth:]
                for q in qs
            }
        answerer = ExtractiveAnswerer(scorer, **answering)
        rows = answer_rows(sections, qs, ranked, answerer, scorer, follow)
        report[name] = {"summary": summary(rows)}
        print(name, json.dumps(report[name]["summary"]), file=sys.stderr, flush=True)
        if name == args.gate:
            report[name]["rows"] = rows
            for mu in (0.0, 0.1, 0.2, 0.3):
                table = threshold_table(rows, mu)
                report[name][f"gate mu={mu}"] = choose_threshold(table)
                print(mu, json.dumps(report[name][f"gate mu={mu}"]), file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


def _variants() -> dict[str, Variant]:
    """Every variant measured in the second round (docs/benchmarks.md); before it, the
    answerer quoted the lead sentence of 3 passages, could let a lead replace another, had a
    700-character cap and no position prior. ``default`` is today's answerer."""
    out: dict[str, Variant] = {"default": ({}, {})}
    old = {"lead_passages": 3, "max_chars": 700}
    out["before (lead 3, chars 700)"] = ({"opening_bonus": 0.0}, old)
    out["before + continuations"] = ({"opening_bonus": 0.0}, {**old, "continuations": True})
    for b in (0.1, 0.15, 0.2, 0.25, 0.3):
        out[f"opening {b} lead 3 chars 700"] = ({"opening_bonus": b}, old)
    for b in (0.1, 0.2):
        for n in (3, 4, 5, 6):
            for c in (500, 700):
                for k in (False, True):
                    name = f"opening {b} lead {n} chars {c}{' cont' if k else ''}"
                    out[name] = ({"opening_bonus": b}, {"lead_passages": n, "max_chars": c})
                    out[name][1]["continuations"] = k
    for floor in (0.3, 0.4, 0.5, 0.6, 0.7):  # third round: leads only near the best sentence
        out[f"lead floor {floor}"] = ({}, {"lead_floor": floor})
    for d in (8, 12):
        base = {"lead_passages": 4, "max_chars": 500, "_rerank": d}
        out[f"opening 0.2 lead 4 chars 500 rerank d={d}"] = ({"opening_bonus": 0.2}, base)
    return out


VARIANTS = _variants()

if __name__ == "__main__":
    main()
