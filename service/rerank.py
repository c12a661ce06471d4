"""Reranking: a second look at the fused candidates, behind a small port.

``SentenceReranker`` (offline) rescores each candidate chunk by its best sentence's similarity to
the question with the shipped MiniLM (one batched embedding call), then fuses that order with the
retrieval order by weighted reciprocal rank. ``BedrockReranker`` (``service.bedrock_rerank``)
asks Amazon Bedrock's Rerank API. ``RerankPostprocessor`` exposes either as a LlamaIndex node
postprocessor. A reranker only ever sees the hits it is given: the owner-filtered candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

from service.evidence import Embed
from service.sentences import split_sentences
from service.vectors import Hit, node_hit

MAX_SENTENCES_PER_HIT = 12


class Reranker(Protocol):
    """Reorders candidate hits for a query and keeps the best ``top_n``."""

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        """The best ``top_n`` of ``hits``, best first, scored by this reranker."""
        ...


def rrf(orders: Sequence[tuple[Sequence[int], float]], k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion of several orders of the same item indexes."""
    scores: dict[int, float] = {}
    for order, weight in orders:
        for rank, item in enumerate(order, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


class SentenceReranker:
    """Offline reranking by each chunk's best-matching sentence (MiniLM)."""

    def __init__(self, embed: Embed, *, weight: float = 1.0, rrf_k: int = 10) -> None:
        self._embed = embed
        self.weight = weight
        self.rrf_k = rrf_k

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        """Fuse the retrieval order with the order by best sentence similarity."""
        if not hits:
            return []
        owners: list[int] = []
        sentences: list[str] = []
        for i, hit in enumerate(hits):
            units = [s.text for s in split_sentences(hit.text) if s.prose] or [hit.text]
            for text in units[:MAX_SENTENCES_PER_HIT]:
                owners.append(i)
                sentences.append(text)
        vectors = self._embed([query, *sentences])
        best = [-1.0] * len(hits)
        for owner, sim in zip(owners, (vectors[1:] @ vectors[0]).tolist(), strict=True):
            best[owner] = max(best[owner], float(sim))
        by_sentence = sorted(range(len(hits)), key=lambda i: -best[i])
        fused = rrf([(range(len(hits)), 1.0), (by_sentence, self.weight)], self.rrf_k)
        return [replace(hits[i], score=score) for i, score in fused[:top_n]]


class RerankPostprocessor(BaseNodePostprocessor):
    """A LlamaIndex node postprocessor around any ``Reranker`` (for query engines and notebooks).

    Nodes must come from this service's retriever (their metadata carries doc_id, owner, ...).
    """

    reranker: Any = Field(description="a service.rerank.Reranker", exclude=True)
    top_n: int = Field(default=6, ge=1)

    @classmethod
    def class_name(cls) -> str:
        return "RerankPostprocessor"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        if query_bundle is None:
            raise ValueError("reranking needs the query")
        by_id = {n.node.node_id: n for n in nodes}
        hits = [node_hit(n) for n in nodes]
        ranked = self.reranker.rerank(query_bundle.query_str, hits, self.top_n)
        return [NodeWithScore(node=by_id[h.id].node, score=h.score) for h in ranked]
