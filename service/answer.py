"""Answer generators. The offline default is extractive: it quotes the retrieved sentences that
best answer the question, verbatim, each with its numbered citation, and says plainly when
nothing relevant was found. An LLM answerer (Ollama, Bedrock) plugs in behind the same API."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from service.models import ChatTurn, Source
from service.vectors import Hit

NO_ANSWER = "I could not find anything about that in your documents."
SNIPPET_CHARS = 280

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n{2,}|\n(?=[-*•] )")
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_STOP = frozenset(
    "a an and are as at be but by can could did do does for from had has have how i if in is it "
    "its me my of on or our should so than that the their them then there these they this to "
    "us was we were what when where which who whom why will with would you your about into "
    "also any some such may might must can't not no yes please tell know".split()
)

Retrieve = Callable[[str], list[Hit]]


_ABBREVIATION = re.compile(
    r"\b(Dr|Mr|Mrs|Ms|Prof|St|Sr|Jr|No|Fig|vs|etc|e\.g|i\.e|approx|[A-Z])\.$"
)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> set[str]:
    """Content words of ``text`` (lower-cased, lightly stemmed, stop words removed)."""
    words = (w.strip("'-") for w in _WORD.findall(text.lower()))
    return {_stem(w) for w in words if w not in _STOP and len(w) > 1}


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage (not split after abbreviations like "Dr.")."""
    out: list[str] = []
    for part in _SENTENCE.split(text):
        part = " ".join(part.split())
        if not part:
            continue
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [p for p in out if len(p) > 2]


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


class ExtractiveAnswerer:
    """Offline, deterministic answers built from retrieved sentences."""

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        *,
        max_sentences: int = 3,
        passages: int = 4,
        min_similarity: float = 0.35,
    ) -> None:
        self._embed = embed
        self._max_sentences = max_sentences
        self._passages = passages
        self._min_similarity = min_similarity

    def answer(self, question: str, history: Sequence[ChatTurn], retrieve: Retrieve) -> Answer:
        """Quote the best sentences, or say nothing relevant was found."""
        context = [t.content for t in history if t.role == "user"][-2:]
        query = " ".join([question, *context])  # earlier questions widen a follow-up's search
        hits = retrieve(query)[: self._passages]
        candidates = [(rank, s) for rank, hit in enumerate(hits) for s in split_sentences(hit.text)]
        if not candidates:
            return Answer(text=words(NO_ANSWER))
        vectors = self._embed([query, question, *(s for _, s in candidates)])
        q_wide, q_only, sent_vecs = vectors[0], vectors[1], vectors[2:]
        sims = np.maximum(sent_vecs @ q_wide, sent_vecs @ q_only)
        q_terms, ctx_terms = terms(question), terms(" ".join(context))
        scored = []
        for (rank, sentence), sim in zip(candidates, sims, strict=True):
            s_terms = terms(sentence)
            overlap = len(q_terms & s_terms) / max(1, len(q_terms))
            ctx = len(ctx_terms & s_terms) / max(1, len(ctx_terms)) if ctx_terms else 0.0
            score = 0.65 * float(sim) + 0.25 * overlap + 0.1 * ctx - 0.02 * rank
            if sentence.endswith("?"):
                score -= 0.3  # a question in the text (an FAQ's) is not its answer
            scored.append((score, float(sim), overlap, rank, sentence))
        scored.sort(key=lambda item: -item[0])
        best_score, best_sim, best_overlap = scored[0][0], scored[0][1], scored[0][2]
        if best_sim < self._min_similarity and best_overlap < 0.5:
            return Answer(text=words(NO_ANSWER))
        chosen: list[tuple[int, str]] = []
        seen: set[str] = set()
        for score, _sim, _ov, rank, sentence in scored:
            if len(chosen) == self._max_sentences or score < 0.8 * best_score:
                break
            if sentence.lower() not in seen:
                seen.add(sentence.lower())
                chosen.append((rank, sentence))
        sources: dict[int, Source] = {}
        parts = []
        for rank, sentence in chosen:
            hit = hits[rank]
            if rank not in sources:
                sources[rank] = Source(
                    n=len(sources) + 1,
                    doc_id=hit.doc_id,
                    filename=hit.filename,
                    page=hit.page,
                    snippet=snippet(hit.text, sentence),
                    score=round(hit.score, 6),
                )
            parts.append(f"{sentence} [{sources[rank].n}]")
        return Answer(text=words(" ".join(parts)), sources=list(sources.values()))
