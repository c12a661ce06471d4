"""Answer generators. The offline default is extractive: it quotes the retrieved sentences that
best answer the question, verbatim, each with its numbered citation, and says plainly when
nothing relevant was found. An LLM answerer (Ollama, Bedrock) plugs in behind the same API; both
abstain by the same evidence decision (``service.evidence``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from service.evidence import Evidence, EvidenceScorer
from service.models import ChatTurn, Source
from service.telemetry import TokenUsage
from service.vectors import Hit

NO_ANSWER = "I could not find anything about that in your documents."
SNIPPET_CHARS = 280

Retrieve = Callable[[str], list[Hit]]


def snippet(text: str, around: str | None = None, limit: int = SNIPPET_CHARS) -> str:
    """A short excerpt of ``text``, centred on ``around`` when given."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    start = 0
    if around:
        pos = flat.find(" ".join(around.split())[:40])
        if pos > 0:
            start = max(0, pos - limit // 4)
    piece = flat[start : start + limit]
    return ("…" if start else "") + piece.rsplit(" ", 1)[0] + "…"


@dataclass
class Answer:
    """An answer in the making: its text streams, then its citations are final."""

    text: Iterator[str]
    sources: list[Source] = field(default_factory=list)
    cited_only: bool = True
    abstained: bool = False  # "not found": the evidence gate stopped it
    usage: TokenUsage = field(default_factory=TokenUsage)  # filled in while ``text`` streams

    def final_sources(self, full_text: str) -> list[Source]:
        """The sources cited by ``[n]`` markers in the text (all of them if none is cited)."""
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", full_text)}
        chosen = [s for s in self.sources if s.n in cited]
        return chosen if chosen or self.cited_only else list(self.sources)


class Answerer(Protocol):
    """Turns a question, recent turns and a retrieval function into an ``Answer``."""

    def answer(self, question: str, history: Sequence[ChatTurn], retrieve: Retrieve) -> Answer:
        """Retrieve and answer."""
        ...


def words(text: str) -> Iterator[str]:
    """Split text into word-sized pieces (whitespace kept), for streaming."""
    yield from re.findall(r"\S+\s*", text)


def not_found() -> Answer:
    """The plain not-found answer: no sources."""
    return Answer(text=words(NO_ANSWER), abstained=True)


def cite(hits: Sequence[Hit], chosen: Sequence[Evidence]) -> tuple[str, list[Source]]:
    """The chosen sentences, verbatim and in order, each followed by its source's number;
    sources are numbered in the order the text first cites them."""
    sources: dict[int, Source] = {}
    parts = []
    for e in chosen:
        hit = hits[e.rank]
        if e.rank not in sources:
            sources[e.rank] = Source(
                n=len(sources) + 1,
                doc_id=hit.doc_id,
                filename=hit.filename,
                page=hit.page,
                snippet=snippet(hit.text, e.sentence),
                score=round(hit.score, 6),
            )
        parts.append(f"{e.sentence} [{sources[e.rank].n}]")
    return " ".join(parts), list(sources.values())


class ExtractiveAnswerer:
    """Offline, deterministic answers built from the best-scoring retrieved sentences.

    The defaults (at most 6 sentences and 500 characters, within 0.7 of the best score, a 0.05
    bonus for the best one's passage, the first 5 passages quoted when their best sentence scores
    at least 0.3 of the best one's) were chosen on the
    pydocs tuning half (``eval/tune_answers.py``, ``eval/tune_lead.py``,
    ``eval/tune_choice.py``; docs/benchmarks.md, Answer quality)."""

    def __init__(
        self,
        scorer: EvidenceScorer,
        *,
        max_sentences: int = 6,
        max_chars: int = 500,
        keep_ratio: float = 0.7,
        same_passage_bonus: float = 0.05,
        lead_passages: int = 5,
        lead_floor: float = 0.3,
    ) -> None:
        self._scorer = scorer
        self._max_sentences = max_sentences
        self._max_chars = max_chars
        self._keep_ratio = keep_ratio
        self._same_passage_bonus = same_passage_bonus
        self._lead_passages = lead_passages
        self._lead_floor = lead_floor

    def answer(self, question: str, history: Sequence[ChatTurn], retrieve: Retrieve) -> Answer:
        """Quote the best sentences, or say nothing relevant was found."""
        context = " ".join([t.content for t in history if t.role == "user"][-2:])
        # earlier questions widen a follow-up's search
        hits = retrieve(f"{question} {context}".strip())
        assessment = self._scorer.assess(question, hits, context)
        if not self._scorer.answers(assessment):
            return not_found()
        text, sources = cite(hits, self.choose(assessment.evidence))
        return Answer(text=words(text), sources=sources)

    def choose(self, evidence: Sequence[Evidence]) -> list[Evidence]:
        """The best sentences, by score: close to the best one, distinct, within the caps;
        sentences of the best one's passage get a bonus (an answer reads better from one place)."""
        best = evidence[0]

        def value(e: Evidence) -> float:
            return e.score + (self._same_passage_bonus if e.rank == best.rank else 0.0)

        chosen: list[Evidence] = []
        seen: set[str] = set()
        size = 0
        for e in sorted(evidence, key=lambda e: -value(e)):
            if len(chosen) == self._max_sentences or value(e) < self._keep_ratio * best.score:
                break
            if e.sentence.lower() in seen or (chosen and size + len(e.sentence) > self._max_chars):
                continue
            seen.add(e.sentence.lower())
            chosen.append(e)
            size += len(e.sentence)
        return self._with_lead(chosen, evidence)

    def _with_lead(self, chosen: list[Evidence], evidence: Sequence[Evidence]) -> list[Evidence]:
        """``chosen`` plus the best sentence of each of the first ``lead_passages`` passages
        that it does not quote yet (each in place of the last other sentence at the cap) and
        that scores at least ``lead_floor`` x the best sentence: the relevant passage is often
        ranked first or second even when another passage has the closest sentence
        (eval/tune_lead.py; docs/benchmarks.md, Answer quality), but a passage with nothing near
        the question (common in a small library) is not quoted for its rank alone."""
        leads: list[Evidence] = []
        for rank in range(self._lead_passages):
            if any(e.rank == rank for e in chosen):
                continue
            lead = next((e for e in evidence if e.rank == rank), None)
            if lead is not None and lead.score >= self._lead_floor * evidence[0].score:
                if len(chosen) + len(leads) >= self._max_sentences and len(chosen) > 1:
                    chosen = chosen[:-1]  # never an earlier lead: each stays quoted
                leads.append(lead)
        return [*chosen, *leads]
