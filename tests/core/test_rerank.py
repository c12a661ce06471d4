"""The offline sentence reranker, its LlamaIndex postprocessor form, and the owner boundary."""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.schema import NodeWithScore, QueryBundle

from service.embeddings import MiniLMEmbedding
from service.rerank import RerankPostprocessor, SentenceReranker, rrf
from service.vectors import Hit, hit_to_node, node_hit
from service.wiring import Services

TEXTS = [
    "The station has two bunk houses. Breakfast is served at eight.",
    "Radios are kept in the office. VHF channel 16 is the distress channel.",
    "Kelp grows quickly in cold water.",
]


def hits() -> list[Hit]:
    return [
        Hit(f"c{i}", f"d{i}", "alice", t, "a.txt", None, i, 1.0 - i / 10)
        for i, t in enumerate(TEXTS)
    ]


def test_reciprocal_rank_fusion_of_two_orders() -> None:
    fused = dict(rrf([([0, 1, 2], 1.0), ([2, 1, 0], 0.5)], k=10))
    assert fused[1] == 1 / 12 + 0.5 / 12
    assert fused[0] == 1 / 11 + 0.5 / 13 and fused[2] == 1 / 13 + 0.5 / 11
    assert rrf([([0, 1], 1.0), ([1, 0], 0.0)], k=10)[0][0] == 0  # weight 0: first order wins


def test_sentence_reranker_lifts_the_chunk_whose_sentence_answers(
    embed_model: MiniLMEmbedding,
) -> None:
    reranker = SentenceReranker(embed_model.embed, weight=2.0)
    ranked = reranker.rerank("Which radio channel is for distress calls?", hits(), 2)
    assert ranked[0].id == "c1" and len(ranked) == 2
    assert ranked[0].score > ranked[1].score
    assert reranker.rerank("anything", [], 3) == []


def test_postprocessor_reranks_llamaindex_nodes(embed_model: MiniLMEmbedding) -> None:
    post = RerankPostprocessor(reranker=SentenceReranker(embed_model.embed, weight=2.0), top_n=1)
    nodes = [NodeWithScore(node=hit_to_node(h), score=h.score) for h in hits()]
    (best,) = post.postprocess_nodes(nodes, QueryBundle("Which channel is for distress calls?"))
    assert best.node.node_id == "c1" and node_hit(best).owner == "alice"


class Recording:
    """A reranker that records what it is shown."""

    def __init__(self, inner: SentenceReranker) -> None:
        self.inner = inner
        self.seen: list[Hit] = []

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        self.seen.extend(hits)
        return self.inner.rerank(query, hits, top_n)


def test_reranker_never_sees_or_returns_another_owners_rows(
    corpus: Services, embed_model: MiniLMEmbedding
) -> None:
    recording = Recording(SentenceReranker(embed_model.embed))
    retriever = corpus.chat.retriever("alice", top_k=4)
    retriever.reranker, retriever.rerank_depth = recording, 30
    # Bob's note matches this question best; only Alice's rows may reach the reranker
    results = retriever.search("Who secretly leads Project Atlas according to Bob?")
    assert results and {h.owner for h in results} == {"alice"}
    assert len(recording.seen) > 4 and {h.owner for h in recording.seen} == {"alice"}
    assert not any("Zebedee" in h.text for h in recording.seen)
