"""Settings: the single source of environment variable names (prefix ``RAG_``).

Light to import (pydantic-settings only) so the CDK app and lightweight handlers can use it.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "RAG_"


class Mode(StrEnum):
    """Where the service runs."""

    LOCAL = "local"
    AWS = "aws"


class EmbedProvider(StrEnum):
    """Embedding model providers."""

    MINILM = "minilm"  # offline all-MiniLM-L6-v2 int8 ONNX, shipped in a PyPI package
    BEDROCK_TITAN = "bedrock-titan"
    BEDROCK_COHERE = "bedrock-cohere"


class LlmProvider(StrEnum):
    """Answer generators."""

    EXTRACTIVE = "extractive"  # offline, deterministic, quotes retrieved sentences with citations
    OLLAMA = "ollama"
    BEDROCK = "bedrock"


class Settings(BaseSettings):
    """All configuration of the service. Every field reads ``RAG_<FIELD>`` from the environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    mode: Mode = Mode.LOCAL
    data_dir: Path = Path(".rag-data")
    lancedb_uri: str | None = Field(
        default=None,
        description="LanceDB URI; default <data_dir>/lancedb (s3://bucket/prefix on AWS)",
    )
    table_name: str = "chunks"

    embed_provider: EmbedProvider = EmbedProvider.MINILM
    embed_batch_size: int = Field(default=16, ge=1, le=256)
    llm_provider: LlmProvider = LlmProvider.EXTRACTIVE
    llm_model: str = "llama3.2"
    llm_max_tokens: int = Field(default=1024, ge=16, le=8192)
    ollama_url: str = "http://127.0.0.1:11434"

    chunk_size: int = Field(default=160, ge=32, le=256, description="in MiniLM word pieces")
    chunk_overlap: int = Field(default=24, ge=0, le=128)

    top_k: int = Field(default=6, ge=1, le=50)
    fusion_vector_weight: float = Field(default=1.0, ge=0.0)
    fusion_text_weight: float = Field(default=0.25, ge=0.0)
    fusion_rrf_k: int = Field(default=60, ge=1)
    candidates: int = Field(default=30, ge=1, le=500, description="per retriever before fusion")

    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    max_pages: int = Field(default=2000, ge=1)
    max_question_chars: int = Field(default=4000, ge=1)
    max_history_turns: int = Field(default=6, ge=0)

    queue_visibility_timeout_s: float = Field(default=300.0, gt=0)
    queue_max_receives: int = Field(default=3, ge=1)

    maintenance_retention_s: float = Field(
        default=3600.0, ge=0, description="table versions older than this are deleted"
    )
    maintenance_interval_s: float = Field(default=600.0, gt=0)

    admins: Annotated[frozenset[str], NoDecode] = frozenset()
    default_user: str = "local"

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _check_chunking(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("RAG_CHUNK_OVERLAP must be smaller than RAG_CHUNK_SIZE")
        return self

    @property
    def resolved_lancedb_uri(self) -> str:
        """The LanceDB URI actually used."""
        return self.lancedb_uri or str(self.data_dir / "lancedb")

    @property
    def sqlite_path(self) -> Path:
        """The local registry and job queue database."""
        return self.data_dir / "rag.sqlite3"

    @property
    def blob_dir(self) -> Path:
        """Where the local blob store keeps document bytes."""
        return self.data_dir / "blobs"


def env_name(field: str) -> str:
    """The environment variable that sets ``field`` (for infrastructure code and docs)."""
    if field not in Settings.model_fields:
        raise KeyError(field)
    return f"{ENV_PREFIX}{field.upper()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
