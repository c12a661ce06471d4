"""Answer metrics: ask every question through the product's chat service and judge the answer.

Per question: does the text contain one of the expected phrases (both normalised: NFKC, lower
case, curly quotes made straight, runs of whitespace made one space; then a substring test),
which entries do its sources cite, and does it abstain (no sources and the not-found message).
"""

from __future__ import annotations

import re
import statistics
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.answer import NO_ANSWER
from service.evaluation.data import Question
from service.evaluation.indexing import EVAL_OWNER, EvalIndex
from service.models import SourcesEvent, TokenEvent

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """The form in which answers and expected phrases are compared."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


def has_fact(text: str, phrases: Sequence[str]) -> bool:
    """Whether ``text`` contains one of ``phrases`` (after normalising both)."""
    flat = normalize(text)
    return any(normalize(p) in flat for p in phrases if p.strip())


@dataclass
class Reply:
    """One answer as the user received it, with its timing."""

    text: str = ""
    cited: list[str] = field(default_factory=list)
    first_token_ms: float = 0.0
    done_ms: float = 0.0

    @property
    def abstained(self) -> bool:
        """No sources, and the not-found message."""
        return not self.cited and normalize(self.text) == normalize(NO_ANSWER)


def ask(index: EvalIndex, question: str) -> Reply:
    """Stream the chat service's answer; the cited sections in citation order."""
    reply = Reply()
    parts: list[str] = []
    started = time.perf_counter()
    for event in index.services.chat.ask(EVAL_OWNER, question):
        if isinstance(event, TokenEvent):
            if not parts:
                reply.first_token_ms = (time.perf_counter() - started) * 1000
            parts.append(event.text)
        elif isinstance(event, SourcesEvent):
            for source in event.sources:
                section = index.sections.get(source.doc_id, source.doc_id)
                if section not in reply.cited:
                    reply.cited.append(section)
    reply.done_ms = (time.perf_counter() - started) * 1000
    reply.text = "".join(parts)
    return reply


def judge(q: Question, reply: Reply) -> dict[str, Any]:
    """The per-question verdicts of one reply."""
    relevant = set(q.relevant)
    hits = [c for c in reply.cited if c in relevant]
    return {
        "id": q.id,
        "split": q.split,
        "answerable": q.answerable,
        "kind": q.kind,
        "abstained": reply.abstained,
        "fact": has_fact(reply.text, q.answer) if q.answer else None,
        "cites_relevant": bool(hits),
        "citation_precision": len(hits) / len(reply.cited) if reply.cited else None,
        "citation_recall": len(set(hits)) / len(relevant) if relevant else None,
        "first_token_ms": round(reply.first_token_ms, 1),
        "done_ms": round(reply.done_ms, 1),
        "answer": reply.text,
        "cited": reply.cited,
    }


def run_answers(index: EvalIndex, questions: Sequence[Question]) -> list[dict[str, Any]]:
    """Ask and judge every question."""
    return [judge(q, ask(index, q.question)) for q in questions]


def _mean(values: Sequence[float | bool | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return round(statistics.fmean(kept), 4) if kept else None


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 1) if ordered else 0.0


def summarize_answers(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Fact accuracy, citation precision/recall, abstention rates and timing of some replies."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    first = [r["first_token_ms"] for r in rows]
    done = [r["done_ms"] for r in rows]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "fact_accuracy": _mean([r["fact"] for r in answerable]),
        "cites_relevant": _mean([r["cites_relevant"] for r in answerable]),
        "citation_precision": _mean([r["citation_precision"] for r in answerable]),
        "citation_recall": _mean([r["citation_recall"] for r in answerable]),
        "abstention": _mean([r["abstained"] for r in unanswerable]),
        "false_abstention": _mean([r["abstained"] for r in answerable]),
        "first_token_ms": {"p50": _pct(first, 0.5), "p95": _pct(first, 0.95)},
        "done_ms": {"p50": _pct(done, 0.5), "p95": _pct(done, 0.95)},
    }


def evaluate_answers(
    index: EvalIndex, questions: Sequence[Question]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """``{split: summary}`` for every split present plus ``all``, and the per-question rows."""
    rows = run_answers(index, questions)
    splits = sorted({q.split for q in questions} | {"all"})
    summary = {
        split: summarize_answers([r for r in rows if split == "all" or r["split"] == split])
        for split in splits
    }
    return summary, rows
