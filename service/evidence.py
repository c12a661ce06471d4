"""Evidence: the sentences of the top passages, scored by how well they answer the question.

A sentence's score mixes its embedding similarity to the question (all candidate sentences are
embedded in one batched call) with term evidence (the share of the question's content words it
contains), plus a prior for a document's opening sentence. The best score without that prior
plus the passages' coverage of the question's words is the abstention signal: below
``min_score`` nothing retrieved answers the question, and both answerers say so (the LLM one
without calling the model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from service.sentences import asks_for_code, asks_for_names, code_names, split_sentences, terms
from service.vectors import Hit

Embed = Callable[[list[str]], np.ndarray]

SIMILARITY_WEIGHT = 0.65
OVERLAP_WEIGHT = 0.25
CONTEXT_WEIGHT = 0.1
RANK_PENALTY = 0.02  # a later passage's sentence must be clearly better to win
QUESTION_PENALTY = 0.3  # a question in the text (an FAQ's) is not its answer
COVERAGE_WEIGHT = 0.0  # abstention: share of question words the passages contain (tuned)
# the first sentence of a document often states its answer (FAQ entries, reference sections)
OPENING_BONUS = 0.2
NAME_BONUS = 0.06  # per code name (at most two) when the question asks which methods, ...


@dataclass(frozen=True)
class Evidence:
    """One candidate sentence with its score and the passage (by rank) it came from."""

    score: float
    similarity: float
    overlap: float
    rank: int
    sentence: str
    position: int = 0  # the sentence's place among its passage's candidate units
    prior: float = 0.0  # the part of ``score`` that is a prior on position, not evidence


@dataclass(frozen=True)
class Assessment:
    """The ranked evidence for a question and the confidence that it is answered."""

    evidence: list[Evidence]
    confidence: float


@dataclass(frozen=True)
class Candidate:
    """A sentence of a passage before scoring; ``opening``: the first of a document."""

    rank: int
    position: int
    sentence: str
    opening: bool


def candidates(hits: Sequence[Hit], *, keep_code: bool) -> list[Candidate]:
    """The prose sentences (and, if ``keep_code``, the other units) of each passage."""
    out = []
    for rank, hit in enumerate(hits):
        units = [s.text for s in split_sentences(hit.text) if s.prose or keep_code]
        for position, text in enumerate(units):
            out.append(Candidate(rank, position, text, hit.chunk_index == 0 and position == 0))
    return out


def coverage(question: str, hits: Sequence[Hit]) -> float:
    """The share of the question's content words that appear anywhere in ``hits``."""
    q_terms = terms(question)
    found: set[str] = set()
    for hit in hits:
        found |= terms(hit.text)
    return len(q_terms & found) / max(1, len(q_terms))


class EvidenceScorer:
    """Scores the sentences of the first ``passages`` hits against a question."""

    def __init__(
        self,
        embed: Embed,
        *,
        passages: int = 6,
        min_score: float = 0.4,
        opening_bonus: float = OPENING_BONUS,
    ) -> None:
        self.embed = embed
        self.passages = passages
        self.min_score = min_score
        self.opening_bonus = opening_bonus

    def rank(self, question: str, hits: Sequence[Hit], context: str = "") -> list[Evidence]:
        """Candidate sentences, best first; non-prose only if the question asks for code."""
        found = candidates(hits[: self.passages], keep_code=asks_for_code(question))
        if not found:
            return []
        query = f"{question} {context}".strip()
        vectors = self.embed([query, question, *(c.sentence for c in found)])
        sims = np.maximum(vectors[2:] @ vectors[0], vectors[2:] @ vectors[1])
        q_terms, ctx_terms = terms(question), terms(context)
        names = asks_for_names(question)
        scored = []
        for c, sim in zip(found, sims, strict=True):
            s_terms = terms(c.sentence)
            overlap = len(q_terms & s_terms) / max(1, len(q_terms))
            ctx = len(ctx_terms & s_terms) / len(ctx_terms) if ctx_terms else 0.0
            score = (
                SIMILARITY_WEIGHT * float(sim)
                + OVERLAP_WEIGHT * overlap
                + CONTEXT_WEIGHT * ctx
                - RANK_PENALTY * c.rank
                - (QUESTION_PENALTY if c.sentence.endswith("?") else 0.0)
                + (NAME_BONUS * min(2, len(code_names(c.sentence))) if names else 0.0)
            )
            prior = self.opening_bonus if c.opening else 0.0
            scored.append(
                Evidence(score + prior, float(sim), overlap, c.rank, c.sentence, c.position, prior)
            )
        return sorted(scored, key=lambda e: -e.score)

    def assess(self, question: str, hits: Sequence[Hit], context: str = "") -> Assessment:
        """Rank the evidence; confidence = the best sentence score without its position prior
        (where a sentence sits says which one to quote, not whether anything answers) +
        ``COVERAGE_WEIGHT`` x the share of question words the quoted passages contain (a
        question about something the passages never mention is not answered by their closest
        sentence). With the weight at 0 (chosen so since issue 12's third round) the passages
        are not tokenized for it."""
        evidence = self.rank(question, hits, context)
        if not evidence:
            return Assessment([], float("-inf"))
        best = max(e.score - e.prior for e in evidence)
        if not COVERAGE_WEIGHT:
            return Assessment(evidence, best)
        return Assessment(
            evidence, best + COVERAGE_WEIGHT * coverage(question, hits[: self.passages])
        )

    def answers(self, assessment: Assessment) -> bool:
        """The abstention decision: does the confidence reach ``min_score``?"""
        return bool(assessment.evidence) and assessment.confidence >= self.min_score
