"""The functions' environment, named only through ``service.config.env_name``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.config import EmbedProvider, LlmProvider, Mode, env_name

# Lambda's file system is read-only except /tmp.
LAMBDA_DATA_DIR = "/tmp/rag-data"  # noqa: S108 - the only writable place on Lambda


def settings_env(**values: str | int | float) -> dict[str, str]:
    """``{field: value}`` -> ``{RAG_FIELD: "value"}``; an unknown field is an error."""
    return {env_name(field): str(value) for field, value in values.items()}


def base_env(
    *,
    region: str,
    bedrock_region: str,
    embed_model: str,
    llm_model: str,
    extra: Mapping[str, str | int | float] | None = None,
) -> dict[str, str]:
    """What every service function (not the authorizer) shares."""
    if "cohere." in embed_model:  # e.g. "cohere.embed-multilingual-v3"
        embedding = {"embed_provider": EmbedProvider.BEDROCK_COHERE.value}
        embedding["bedrock_cohere_model"] = embed_model
    else:
        embedding = {"embed_provider": EmbedProvider.BEDROCK_TITAN.value}
        embedding["bedrock_embed_model"] = embed_model
    return settings_env(
        mode=Mode.AWS.value,
        aws_region=region,
        data_dir=LAMBDA_DATA_DIR,
        llm_provider=LlmProvider.BEDROCK.value,
        bedrock_region=bedrock_region,
        bedrock_llm_model=llm_model,
        **embedding,
        **dict(extra or {}),
    )


def rerank_env(config: Any) -> dict[str, str]:
    """Reranking settings: Bedrock Rerank when the deployment names a rerank model."""
    model = getattr(config, "bedrock_rerank_model", None)
    return {"reranker": "bedrock", "bedrock_rerank_model": model} if model else {}
