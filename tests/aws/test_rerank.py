"""The Bedrock reranker through the real boto3 ``bedrock-agent-runtime`` client against the
Bedrock test server, and the owner boundary of every reranker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from service.bedrock_rerank import BedrockReranker, rerank_model_arn
from service.config import Settings
from service.providers import build_reranker
from service.rerank import Reranker
from service.vectors import Hit
from service.wiring import Services
from tests.aws.bedrock_server import BedrockServer
from tests.conftest import BOB_SECRET, ingest

TEXTS = [
    "The visitor centre sells postcards and maps.",
    "VHF channel 16 is the international distress, safety and calling frequency.",
    "Kelp grows quickly in cold water.",
]


def settings_for(bedrock: BedrockServer) -> Settings:
    return Settings(reranker="bedrock", bedrock_endpoint_url=bedrock.url, bedrock_max_attempts=2)


def hits() -> list[Hit]:
    return [Hit(f"c{i}", f"d{i}", "alice", t, "a.txt", None, i, 0.1) for i, t in enumerate(TEXTS)]


def test_bedrock_orders_candidates_by_relevance(bedrock: BedrockServer) -> None:
    reranker = build_reranker(settings_for(bedrock), embed_model=None)  # type: ignore[arg-type]
    assert isinstance(reranker, BedrockReranker)
    ranked = reranker.rerank("Which radio channel is for distress calls?", hits(), 2)
    assert [h.id for h in ranked] == ["c1", ranked[1].id] and len(ranked) == 2
    assert ranked[0].score >= ranked[1].score
    (call,) = bedrock.calls("rerank")
    assert call["model"] == rerank_model_arn("amazon.rerank-v1:0", "us-east-1")
    assert call["model"] == "arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0"
    config = call["body"]["rerankingConfiguration"]["bedrockRerankingConfiguration"]
    assert config["numberOfResults"] == 2
    assert reranker.rerank("anything", [], 3) == [] and len(bedrock.calls("rerank")) == 1


class Recording:
    """A reranker that records what it is shown and keeps the order."""

    def __init__(self, inner: Reranker) -> None:
        self.inner = inner
        self.seen: list[Hit] = []

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        self.seen.extend(hits)
        return self.inner.rerank(query, hits, top_n)


def test_bedrock_reranker_never_sees_or_returns_another_owners_rows(
    make_services: Callable[..., Services], bedrock: BedrockServer, tmp_path: Path
) -> None:
    # explicit: the AWS stack fixture may have set RAG_* variables for other tests
    svc = make_services(
        mode="local",
        data_dir=tmp_path,
        lancedb_uri=str(tmp_path / "lancedb"),
        embed_provider="minilm",
        llm_provider="extractive",
    )
    ingest(svc, "alice", "radio.txt", TEXTS[1].encode())
    ingest(svc, "alice", "visit.txt", TEXTS[0].encode())
    ingest(svc, "bob", "bob-secret.txt", BOB_SECRET.encode())
    recording = Recording(BedrockReranker.from_settings(settings_for(bedrock)))
    retriever = svc.chat.retriever("alice", top_k=4)
    retriever.reranker, retriever.rerank_depth = recording, 20
    question = "What is the emergency radio channel and who leads Project Atlas?"
    results = retriever.search(question)
    assert results and all(h.owner == "alice" for h in results)
    assert recording.seen and all(h.owner == "alice" for h in recording.seen)
    sent = [
        s["inlineDocumentSource"]["textDocument"]["text"]
        for call in bedrock.calls("rerank")
        for s in call["body"]["sources"]
    ]
    assert sent and not any("Bob" in text or "Zebedee" in text for text in sent)
