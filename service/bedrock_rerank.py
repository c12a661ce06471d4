"""Reranking with Amazon Bedrock's Rerank API (``bedrock-agent-runtime``), e.g. Amazon Rerank 1.0
or Cohere Rerank 3.5. Off by default (``RAG_RERANKER=bedrock``); the deployment grants
``bedrock:Rerank`` only when it is on. Only the owner-filtered candidates are sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from service.adapters.aws_clients import aws_client
from service.config import Settings
from service.vectors import Hit

MAX_DOCUMENTS = 100  # the Rerank API's limit on sources per call


def rerank_model_arn(model_id: str, region: str) -> str:
    """The foundation-model ARN the Rerank API wants (an ARN is passed through)."""
    if model_id.startswith("arn:"):
        return model_id
    return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"


class BedrockReranker:
    """A ``Reranker`` that asks Bedrock to score the candidates against the query."""

    def __init__(self, client: Any, model_arn: str) -> None:
        self._client = client
        self.model_arn = model_arn

    @classmethod
    def from_settings(cls, settings: Settings, client: Any = None) -> BedrockReranker:
        """The reranker for the configured model (``client``: a bedrock-agent-runtime client)."""
        region = settings.bedrock_region or settings.aws_region
        return cls(
            client or aws_client(settings, "bedrock-agent-runtime"),
            rerank_model_arn(settings.bedrock_rerank_model, region),
        )

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        """The best ``top_n`` hits by Bedrock's relevance score."""
        hits = list(hits)[:MAX_DOCUMENTS]
        if not hits:
            return []
        response = self._client.rerank(
            queries=[{"type": "TEXT", "textQuery": {"text": query}}],
            sources=[
                {
                    "type": "INLINE",
                    "inlineDocumentSource": {"type": "TEXT", "textDocument": {"text": h.text}},
                }
                for h in hits
            ],
            rerankingConfiguration={
                "type": "BEDROCK_RERANKING_MODEL",
                "bedrockRerankingConfiguration": {
                    "numberOfResults": min(top_n, len(hits)),
                    "modelConfiguration": {"modelArn": self.model_arn},
                },
            },
        )
        results = sorted(response.get("results", []), key=lambda r: -r["relevanceScore"])
        return [replace(hits[r["index"]], score=float(r["relevanceScore"])) for r in results][
            :top_n
        ]
