"""Document openings in hybrid retrieval: a third fused list, vector search among each
document's first chunk, counted only when nearly as close as the best chunk, and only ever over
what the reader may read."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.schema import TextNode

from service.lance_table import chunk_id, connect, open_table
from service.options import FusionWeights
from service.retrieval import HybridRetriever
from service.vectors import ChunkStore

DIM = 8
QUERY = [1.0] + [0.0] * (DIM - 1)
WEIGHTS = FusionWeights(vector=1.0, text=0.2, rrf_k=30, opening=2.0, opening_floor=0.7)


def at(similarity: float, axis: int) -> list[float]:
    """A unit vector whose cosine with QUERY is ``similarity``."""
    v = np.zeros(DIM, dtype=np.float32)
    v[0], v[axis] = similarity, math.sqrt(1.0 - similarity**2)
    return v.tolist()


def chunk(doc_id: str, owner: str, index: int, similarity: float) -> TextNode:
    return TextNode(
        id_=chunk_id(doc_id, index),
        text=f"passage {index} of {doc_id}",
        embedding=at(similarity, 1 + index % (DIM - 1)),
        metadata={
            "doc_id": doc_id,
            "owner": owner,
            "filename": f"{doc_id}.txt",
            "page": None,
            "chunk_index": index,
        },
    )


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    s = ChunkStore(open_table(connect(str(tmp_path / "db")), "chunks", model_id="m", dim=DIM))
    # alice: "deep" has its closest passage in the middle; "lead" opens with a close passage;
    # "far" opens far from the question; bob's opening is the question itself
    s.replace_document("deep", [chunk("deep", "alice", i, sim) for i, sim in enumerate([0.1, 0.9])])
    s.replace_document("lead", [chunk("lead", "alice", i, sim) for i, sim in enumerate([0.8, 0.2])])
    s.replace_document("far", [chunk("far", "alice", i, sim) for i, sim in enumerate([0.3, 0.5])])
    s.replace_document("secret", [chunk("secret", "bob", 0, 1.0)])
    return s


def search(store: ChunkStore, owner: str = "alice", **weights: float) -> list[tuple[str, int]]:
    retriever = HybridRetriever(
        store,
        MockEmbedding(embed_dim=DIM),
        owner=owner,
        top_k=10,
        candidates=10,
        weights=replace(WEIGHTS, **weights),
    )
    return [(h.doc_id, h.chunk_index) for h in retriever.search("unrelated words", embedding=QUERY)]


def test_the_openings_search_reads_only_first_chunks_of_the_readers_documents(
    store: ChunkStore,
) -> None:
    hits = store.search_vector(QUERY, owner="alice", k=50, openings=True)
    assert [(h.doc_id, h.chunk_index) for h in hits] == [("lead", 0), ("far", 0), ("deep", 0)]


def test_a_close_opening_is_lifted_above_a_slightly_closer_passage(store: ChunkStore) -> None:
    assert search(store, opening=0.0)[:2] == [("deep", 1), ("lead", 0)]
    assert search(store)[:2] == [("lead", 0), ("deep", 1)]


def test_an_opening_far_below_the_best_chunk_is_not_lifted(store: ChunkStore) -> None:
    ranked = search(store)
    # far's opening (0.3) is below 0.7 x 0.9: it stays under far's own closer passage (0.5)
    assert ranked.index(("far", 1)) < ranked.index(("far", 0))
    assert search(store, opening_floor=0.0).index(("far", 0)) < ranked.index(("far", 0))


def test_another_persons_opening_is_never_read_even_when_it_is_the_question(
    store: ChunkStore,
) -> None:
    assert all(doc != "secret" for doc, _ in search(store))
    assert all(doc != "secret" for doc, _ in search(store, opening=50.0, opening_floor=0.0))
    assert search(store, owner="bob") == [("secret", 0)]
