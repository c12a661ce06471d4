"""Model providers chosen by settings, so callers never name one."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from service.answer import Answerer, ExtractiveAnswerer
from service.config import EmbedProvider, LlmProvider, Settings
from service.embeddings import MINILM_MODEL_ID, MiniLMEmbedding
from service.errors import Unavailable
from service.evidence import EvidenceScorer
from service.rerank import Reranker, SentenceReranker


def build_embedding(settings: Settings) -> tuple[BaseEmbedding, str, int]:
    """The embedding model, the id recorded in the vector table, and its dimension."""
    if settings.embed_provider is EmbedProvider.MINILM:
        model = MiniLMEmbedding(embed_batch_size=settings.embed_batch_size)
        return model, MINILM_MODEL_ID, model.dimension
    try:
        from service.bedrock import bedrock_embedding
    except ImportError as exc:
        raise Unavailable(
            f"embedding provider {settings.embed_provider.value!r} needs the AWS extras "
            "(pip install 'rag-service[aws]')"
        ) from exc
    bedrock = bedrock_embedding(settings)
    return bedrock, bedrock.model_name, bedrock.dimension


def build_scorer(settings: Settings, embed_model: BaseEmbedding) -> EvidenceScorer:
    """The evidence scorer (and abstention decision) shared by both answerers."""
    embed: Any = getattr(embed_model, "embed", None)  # MiniLM's batched unit vectors
    if not callable(embed):
        import numpy as np

        def embed(texts: list[str]) -> Any:
            vectors = np.asarray(embed_model.get_text_embedding_batch(texts), dtype=np.float32)
            return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)

    return EvidenceScorer(
        embed, passages=settings.answer_passages, min_score=settings.answer_min_score
    )


def build_reranker(settings: Settings, embed_model: BaseEmbedding) -> Reranker | None:
    """The configured second-stage reranker, if any."""
    if settings.reranker == "sentence":
        scorer = build_scorer(settings, embed_model)
        return SentenceReranker(scorer.embed, weight=settings.rerank_weight)
    if settings.reranker == "bedrock":
        try:
            from service.bedrock_rerank import BedrockReranker
        except ImportError as exc:
            raise Unavailable(
                "RAG_RERANKER=bedrock needs the AWS extras (pip install 'rag-service[aws]')"
            ) from exc
        return BedrockReranker.from_settings(settings)
    return None


def build_answerer(settings: Settings, embed_model: BaseEmbedding) -> Answerer:
    """The answer generator."""
    scorer = build_scorer(settings, embed_model)
    if settings.llm_provider is LlmProvider.EXTRACTIVE:
        return ExtractiveAnswerer(scorer)
    from service.llm_answer import LlmAnswerer

    return LlmAnswerer(build_llm(settings), history_turns=settings.max_history_turns, scorer=scorer)


def build_llm(settings: Settings) -> Any:
    """A LlamaIndex LLM with an explicit output token budget."""
    if settings.llm_provider is LlmProvider.OLLAMA:
        try:
            ollama = import_module("llama_index.llms.ollama")
        except ImportError as exc:
            raise Unavailable(
                "RAG_LLM_PROVIDER=ollama needs `pip install llama-index-llms-ollama` and a running "
                "Ollama server"
            ) from exc
        return ollama.Ollama(
            model=settings.llm_model,
            base_url=settings.ollama_url,
            request_timeout=120.0,
            additional_kwargs={"num_predict": settings.llm_max_tokens},
        )
    if settings.llm_provider is LlmProvider.BEDROCK:
        from service.bedrock import bedrock_llm

        return bedrock_llm(settings)
    if settings.llm_provider is LlmProvider.OPENAI:
        try:
            from service.openai_llm import openai_llm
        except ImportError as exc:
            raise Unavailable(
                "RAG_LLM_PROVIDER=openai needs `pip install 'rag-service[openai]'`"
            ) from exc
        return openai_llm(settings)
    raise Unavailable(
        f"LLM provider {settings.llm_provider.value!r} is not available in this build"
    )
