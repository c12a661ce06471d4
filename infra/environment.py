"""The functions' environment, named only through ``service.config.env_name``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_cdk import Aws

from service.config import EmbedProvider, LlmProvider, Mode, env_name

if TYPE_CHECKING:
    from infra.deploy_config import DeployConfig
    from infra.stacks.data import DataStack

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


def service_env(
    config: DeployConfig,
    data: DataStack,
    *,
    ws_management_url: str,
    extra: Mapping[str, str | int | float] | None = None,
) -> dict[str, str]:
    """The environment of every service function (API and ingestion stacks alike): the data
    stack's resources, the Bedrock models, and ``extra`` (e.g. the Cognito ids)."""
    return base_env(
        region=Aws.REGION,
        bedrock_region=config.bedrock_region or Aws.REGION,
        embed_model=config.bedrock_embed_model,
        llm_model=config.bedrock_llm_model,
        extra={
            "documents_bucket": data.bucket.bucket_name,
            "registry_table": data.registry.table_name,
            "connections_table": data.connections.table_name,
            "conversations_table": data.conversations.table_name,
            "ingest_queue_url": data.queue.queue_url,
            "lancedb_uri": data.lancedb_uri,
            "ws_management_url": ws_management_url,
            "queue_max_receives": config.queue_max_receives,
            "fusion_opening_weight": config.fusion_opening_weight,
            **dict(extra or {}),
        },
    )


def rerank_env(config: Any) -> dict[str, str]:
    """Reranking settings: Bedrock Rerank when the deployment names a rerank model."""
    model = getattr(config, "bedrock_rerank_model", None)
    return {"reranker": "bedrock", "bedrock_rerank_model": model} if model else {}
