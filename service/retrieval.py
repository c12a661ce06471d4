"""Hybrid retrieval: exact vector search and BM25 full-text search over one owner's chunks,
fused by weighted reciprocal rank. A retriever without an owner refuses to exist."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from enum import StrEnum
from functools import lru_cache

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle

from service.errors import BadRequest
from service.options import FusionWeights as FusionWeights  # its home before options
from service.rerank import Reranker
from service.vectors import ChunkStore, Hit, hit_to_node


class RetrievalMode(StrEnum):
    """Which retrievers run."""

    VECTOR = "vector"
    TEXT = "text"
    HYBRID = "hybrid"


def fuse(
    vector_hits: Sequence[Hit],
    text_hits: Sequence[Hit],
    weights: FusionWeights,
    k: int,
    opening_hits: Sequence[Hit] = (),
) -> list[Hit]:
    """Fuse the ranked lists by weighted reciprocal rank; ties keep vector order."""
    scores: dict[str, float] = {}
    best: dict[str, Hit] = {}
    lists = (
        (vector_hits, weights.vector),
        (text_hits, weights.text),
        (opening_hits, weights.opening),
    )
    for hits, weight in lists:
        for rank, hit in enumerate(hits, start=1):
            scores[hit.id] = scores.get(hit.id, 0.0) + weight / (weights.rrf_k + rank)
            best.setdefault(hit.id, hit)
    ranked = sorted(scores, key=lambda i: -scores[i])[:k]
    return [replace(best[i], score=scores[i]) for i in ranked]


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="fts")


class HybridRetriever(BaseRetriever):
    """A LlamaIndex retriever bound to one owner (and optionally some of their documents);
    ``shared`` adds the documents shared with the owner's groups."""

    def __init__(
        self,
        store: ChunkStore,
        embed_model: BaseEmbedding,
        *,
        owner: str,
        top_k: int,
        candidates: int,
        weights: FusionWeights,
        mode: RetrievalMode = RetrievalMode.HYBRID,
        doc_ids: Sequence[str] | None = None,
        reranker: Reranker | None = None,
        rerank_depth: int = 12,
        shared: Sequence[str] = (),
    ) -> None:
        if not owner:
            raise BadRequest("a retriever needs an owner")
        if top_k < 1:
            raise BadRequest("top_k must be at least 1")
        super().__init__()
        self._store = store
        self._embed = embed_model
        self.owner = owner
        self.top_k = top_k
        self.candidates = max(candidates, top_k)
        self.weights = weights
        self.mode = mode
        self.doc_ids = list(doc_ids) if doc_ids is not None else None
        self.reranker = reranker
        self.rerank_depth = rerank_depth
        self.shared = tuple(shared)  # documents shared with the owner's groups (issue 15)

    def search(self, query: str, *, embedding: Sequence[float] | None = None) -> list[Hit]:
        """The top hits for ``query`` (``embedding`` saves embedding it again); with a
        reranker, the first ``rerank_depth`` candidates are reranked and any deeper ones
        follow in fused order."""
        hits = self._candidates(query, embedding, max(self.top_k, self.rerank_depth))
        if self.reranker is None:
            return hits
        head, tail = hits[: self.rerank_depth], hits[self.rerank_depth :]
        return self.reranker.rerank(query, head, min(self.top_k, len(head))) + tail

    def _candidates(self, query: str, embedding: Sequence[float] | None, k: int) -> list[Hit]:
        if self.mode is RetrievalMode.TEXT:
            return self._text(query, k)
        if embedding is None:
            embedding = self._embed.get_query_embedding(query)
        if self.mode is RetrievalMode.VECTOR:
            return self._vector(embedding, k)
        # the searches run at once (LanceDB releases the GIL): latency is the slowest one
        depth = max(self.candidates, k)
        text_future = _pool().submit(self._text, query, depth)
        openings = (
            _pool().submit(self._vector, embedding, depth, True) if self.weights.opening else None
        )
        vector_hits = self._vector(embedding, depth)
        opening_hits = openings.result() if openings else []
        if vector_hits:  # only openings nearly as close as the best chunk
            floor = vector_hits[0].score * self.weights.opening_floor
            opening_hits = [h for h in opening_hits if h.score >= floor]
        return fuse(vector_hits, text_future.result(), self.weights, k, opening_hits)

    def _vector(self, embedding: Sequence[float], k: int, openings: bool = False) -> list[Hit]:
        return self._store.search_vector(
            embedding,
            owner=self.owner,
            k=k,
            doc_ids=self.doc_ids,
            shared=self.shared,
            openings=openings,
        )

    def _text(self, query: str, k: int) -> list[Hit]:
        return self._store.search_text(
            query, owner=self.owner, k=k, doc_ids=self.doc_ids, shared=self.shared
        )

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        embedding = query_bundle.embedding
        hits = self.search(query_bundle.query_str, embedding=embedding)
        return [NodeWithScore(node=hit_to_node(h), score=h.score) for h in hits]
