"""Evidence: the sentences of the top passages, scored by how well they answer the question.

A sentence's score mixes its embedding similarity to the question (all candidate sentences are
embedded in one batched call) with term evidence (the share of the question's content words it
contains). The best score plus the passages' coverage of the question's words is the abstention
signal: below ``min_score`` nothing retrieved answers the question, and both answerers say so
(the LLM one without calling the model).
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
COVERAGE_WEIGHT = 0.2  # abstention: share of question words the passages contain (tuned)
NAME_BONUS = 0.06  # per code name (at most two) when the question asks which methods, ...


@dataclass(frozen=True)
class Evidence:
    """One candidate sentence with its score and the passage (by rank) it came from."""

    score: float
    similarity: float
    overlap: float
    rank: int
    sentence: str


@dataclass(frozen=True)
class Assessment:
    """The ranked evidence for a question and the confidence that it is answered."""

    evidence: list[Evidence]
    confidence: float


def coverage(question: str, hits: Sequence[Hit]) -> float:
    """The share of the question's content words that appear anywhere in ``hits``."""
    q_terms = terms(question)
    found: set[str] = set()
    for hit in hits:
        found |= terms(hit.text)
    return len(q_terms & found) / max(1, len(q_terms))


class EvidenceScorer:
    """Scores the sentences of the first ``passages`` hits against a question."""

    def __init__(self, embed: Embed, *, passages: int = 6, min_score: float = 0.54) -> None:
        self.embed = embed
        self.passages = passages
        self.min_score = min_score

    def rank(self, question: str, hits: Sequence[Hit], context: str = "") -> list[Evidence]:
        """Candidate sentences, best first; non-prose only if the question asks for code."""
        keep_code = asks_for_code(question)
        candidates = [
            (rank, s.text)
            for rank, hit in enumerate(hits[: self.passages])
            for s in split_sentences(hit.text)
            if s.prose or keep_code
        ]
        if not candidates:
            return []
        query = f"{question} {context}".strip()
        vectors = self.embed([query, question, *(s for _, s in candidates)])
        sims = np.maximum(vectors[2:] @ vectors[0], vectors[2:] @ vectors[1])
        q_terms, ctx_terms = terms(question), terms(context)
        names = asks_for_names(question)
        scored = []
        for (rank, sentence), sim in zip(candidates, sims, strict=True):
            s_terms = terms(sentence)
            overlap = len(q_terms & s_terms) / max(1, len(q_terms))
            ctx = len(ctx_terms & s_terms) / len(ctx_terms) if ctx_terms else 0.0
            score = (
                SIMILARITY_WEIGHT * float(sim)
                + OVERLAP_WEIGHT * overlap
                + CONTEXT_WEIGHT * ctx
                - RANK_PENALTY * rank
                - (QUESTION_PENALTY if sentence.endswith("?") else 0.0)
                + (NAME_BONUS * min(2, len(code_names(sentence))) if names else 0.0)
            )
            scored.append(Evidence(score, float(sim), overlap, rank, sentence))
        return sorted(scored, key=lambda e: -e.score)

    def assess(self, question: str, hits: Sequence[Hit], context: str = "") -> Assessment:
        """Rank the evidence; confidence = best sentence score + ``COVERAGE_WEIGHT`` x the
        share of question words the quoted passages contain (a question about something the
        passages never mention is not answered by their closest sentence)."""
        evidence = self.rank(question, hits, context)
        if not evidence:
            return Assessment([], float("-inf"))
        cover = coverage(question, hits[: self.passages])
        return Assessment(evidence, evidence[0].score + COVERAGE_WEIGHT * cover)

    def answers(self, assessment: Assessment) -> bool:
        """The abstention decision: does the confidence reach ``min_score``?"""
        return bool(assessment.evidence) and assessment.confidence >= self.min_score
