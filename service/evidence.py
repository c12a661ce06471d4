"""Evidence: the sentences of the top passages, scored by how well they answer the question.

A sentence's score mixes its embedding similarity to the question (all candidate sentences are
embedded in one batched call) with term evidence (the share of the question's content words it
contains). The best score is also the abstention signal: below ``min_score`` nothing retrieved
answers the question, and both answerers say so (the LLM one without calling the model).
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
NAME_BONUS = 0.06  # per code name (at most two) when the question asks which methods, ...


@dataclass(frozen=True)
class Evidence:
    """One candidate sentence with its score and the passage (by rank) it came from."""

    score: float
    similarity: float
    overlap: float
    rank: int
    sentence: str


class EvidenceScorer:
    """Scores the sentences of the first ``passages`` hits against a question."""

    def __init__(self, embed: Embed, *, passages: int = 4, min_score: float = 0.3) -> None:
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

    def answers(self, evidence: Sequence[Evidence]) -> bool:
        """The abstention decision: does the best sentence reach ``min_score``?"""
        return bool(evidence) and evidence[0].score >= self.min_score
