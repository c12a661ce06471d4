"""Settings: the single source of environment variable names (prefix ``RAG_``).

Light to import (pydantic-settings only) so the CDK app and lightweight handlers can use it.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service.naming import parse_local_groups
from service.options import (
    BEDROCK_PRICES_PER_1K,
    FusionWeights,
    IngestLimits,
    MaintenanceOptions,
    Prices,
)

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
    OPENAI = "openai"  # any OpenAI-compatible chat-completions server (vLLM, llama.cpp, ...)


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
    # fusion defaults chosen on the pydocs tuning half (docs/benchmarks.md, Answer quality, third
    # round: document openings)
    fusion_text_weight: float = Field(default=0.2, ge=0.0)
    fusion_rrf_k: int = Field(default=30, ge=1)
    fusion_opening_weight: float = Field(
        default=2.0,
        ge=0.0,
        description="weight of vector search among document openings (first chunks); 0: off",
    )
    fusion_opening_floor: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="an opening counts if its similarity is >= this share of the best chunk's",
    )
    candidates: int = Field(default=60, ge=1, le=500, description="per retriever before fusion")

    # answers (issue 12): the abstention threshold was chosen on the pydocs tuning half
    # (docs/benchmarks.md, Answer quality)
    answer_min_score: float = Field(
        default=0.4, description="evidence confidence below which answers say not found"
    )
    answer_passages: int = Field(default=6, ge=1, le=20, description="passages quoted from")
    reranker: Literal["none", "sentence", "bedrock"] = Field(
        default="none", description="second-stage reranking of the fused candidates"
    )
    rerank_depth: int = Field(default=12, ge=1, le=100, description="candidates reranked")
    rerank_weight: float = Field(default=1.0, ge=0.0, description="sentence reranker's weight")
    bedrock_rerank_model: str = "amazon.rerank-v1:0"

    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    max_pages: int = Field(default=2000, ge=1)
    max_question_chars: int = Field(default=4000, ge=1)
    max_history_turns: int = Field(default=6, ge=0)

    parse_isolation: bool = Field(
        default=True, description="parse uploads in a child process with memory and time caps"
    )
    parse_timeout_s: float = Field(default=120.0, gt=0)
    parse_memory_mb: int = Field(default=2048, ge=256)

    queue_visibility_timeout_s: float = Field(default=300.0, gt=0)
    queue_max_receives: int = Field(default=3, ge=1)

    maintenance_retention_s: float = Field(
        default=3600.0, ge=0, description="table versions older than this are deleted"
    )
    vector_index_min_rows: int = Field(
        default=50_000, ge=1, description="maintenance builds the ANN vector index from this size"
    )
    maintenance_interval_s: float = Field(default=600.0, gt=0)
    # --- ingestion that never lies (issue 14) ---
    stuck_after_s: float = Field(
        default=3600.0,
        gt=0,
        description="maintenance re-queues QUEUED/PROCESSING documents untouched this long,"
        " and marks them FAILED at twice this age",
    )
    catalog_check_s: float = Field(
        default=5.0, ge=0, description="how often a running process looks for a switched table"
    )

    admins: Annotated[frozenset[str], NoDecode] = frozenset()
    default_user: str = "local"

    # --- AWS (RAG_MODE=aws) -------------------------------------------------------------------
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = Field(
        default=None, description="one endpoint for S3/SQS/DynamoDB/Cognito/Lambda (moto in tests)"
    )
    documents_bucket: str = "rag-documents"
    registry_table: str = "rag-documents"
    connections_table: str = "rag-connections"
    ingest_queue_url: str = ""
    lancedb_read_consistency_s: float = Field(
        default=0.0, ge=0, description="0: every read sees the latest commit of other writers"
    )
    lancedb_allow_http: bool = False  # only for S3-compatible test servers (moto)
    # --- LanceDB question latency on object storage (docs/benchmarks.md, "LanceDB on S3") ----
    lancedb_query_consistency_s: float = Field(
        default=3.0,
        ge=0,
        description="the chat worker's handle re-checks for other writers' commits at most this "
        "often (one LIST per check on S3): a document indexed elsewhere is answerable within "
        "this time; writers keep RAG_LANCEDB_READ_CONSISTENCY_S",
    )
    lancedb_index_cache_mb: int = Field(
        default=256,
        ge=1,
        description="LanceDB session cache for opened index parts (vector partitions, posting "
        "lists, bitmaps), kept across warm invocations; sized for ~1M chunks",
    )
    lancedb_metadata_cache_mb: int = Field(
        default=64, ge=1, description="LanceDB session cache for manifests and file footers"
    )
    cluster_max_runs_per_owner: float = Field(
        default=2.0,
        ge=0,
        description="maintenance rewrites the table ordered by owner once owners' rows lie in "
        "more than this many separate runs on average (0: never)",
    )
    ws_management_url: str = Field(
        default="", description="https://{api}.execute-api.{region}.amazonaws.com/{stage}"
    )
    connection_ttl_s: int = Field(default=3 * 3600, ge=60)
    chat_worker_function: str = ""
    chat_dispatch: Literal["lambda", "inline"] = "lambda"
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    cognito_jwks_url: str | None = Field(default=None, description="default: from the issuer")
    cognito_admin_group: str = "admins"
    bedrock_region: str | None = None
    bedrock_endpoint_url: str | None = None
    bedrock_embed_model: str = "amazon.titan-embed-text-v2:0"
    bedrock_cohere_model: str = "cohere.embed-english-v3"
    bedrock_embed_dimensions: int = Field(default=1024, description="Titan v2: 256, 512 or 1024")
    bedrock_llm_model: str = "anthropic.claude-3-5-haiku-20241022-v1:0"
    bedrock_concurrency: int = Field(default=16, ge=1, le=64, description="Titan calls in flight")
    bedrock_max_attempts: int = Field(default=6, ge=1, le=20)
    bedrock_timeout_s: float = Field(default=60.0, gt=0)

    # --- OpenAI-compatible generation (RAG_LLM_PROVIDER=openai; the model is RAG_LLM_MODEL) -----
    openai_base_url: str = Field(
        default="http://127.0.0.1:8080/v1",
        description="chat-completions server: vLLM, llama.cpp, LM Studio, a gateway",
    )
    openai_api_key: SecretStr | None = Field(
        default=None, description="bearer key, if the server wants one (never logged)"
    )
    openai_api_key_file: Path | None = Field(
        default=None, description="a file holding the key (alternative to the above)"
    )
    openai_timeout_s: float = Field(
        default=60.0, gt=0, description="to connect, and the longest wait between streamed chunks"
    )
    openai_max_retries: int = Field(
        default=2, ge=0, le=10, description="retries of 429/5xx/connection errors before a stream"
    )
    openai_context_window: int = Field(default=8192, ge=512, description="the model's, in tokens")

    # local server (`rag serve`)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    secret_file: Path | None = Field(
        default=None, description="HS256 signing secret; default <data_dir>/server-secret"
    )
    local_passwords: SecretStr | None = Field(
        default=None,
        description='"user:password,..." required for dev sign-in on non-loopback binds',
    )
    local_passwords_file: Path | None = Field(
        default=None, description="a file of user:password lines (alternative to the above)"
    )
    token_issuer: str = "rag-local"  # noqa: S105 - a name, not a secret
    token_client_id: str = "rag-web"  # noqa: S105
    token_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    upload_url_ttl_s: int = Field(default=900, ge=1, le=24 * 3600)
    server_visibility_timeout_s: float = Field(
        default=30.0, gt=0, description="the server's job visibility timeout (crash recovery)"
    )
    demo_user: str = "demo"
    max_requests_per_connection: int = Field(default=4, ge=1, le=64)
    chat_threads: int = Field(default=4, ge=1, le=64)

    # --- local server hardening (issue 13) ------------------------------------------------------
    public_hosts: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(),
        description="host names the local server answers to besides loopback (comma-separated)",
    )
    allowed_origins: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(),
        description="browser origins allowed besides the server's own, e.g. http://host:5173",
    )
    max_json_bytes: int = Field(
        default=256 * 1024, ge=1024, description="request body cap of every non-upload endpoint"
    )
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="a connection's request headers must arrive within this"
    )
    keep_alive_timeout_s: int = Field(default=5, ge=1, le=120)
    upload_idle_timeout_s: float = Field(
        default=30.0, gt=0, description="an upload sending nothing for this long is ended"
    )
    upload_min_bytes_per_s: int = Field(
        default=1024, ge=0, description="average upload rate required after the idle timeout"
    )
    max_uploads_per_user: int = Field(default=4, ge=1, le=64, description="at once, per person")
    sign_in_attempts_per_minute: int = Field(
        default=10, ge=1, description="per address and per user name, when passwords are set"
    )
    max_connections_per_user: int = Field(default=8, ge=1, le=256)
    passwords_reload_s: float = Field(
        default=30.0, gt=0, description="removing a password ends that person's tokens this soon"
    )
    session_check_interval_s: float = Field(
        default=30.0, gt=0, description="an open WebSocket's token is checked again this often"
    )
    # quotas are off unless set: checking one lists the person's documents on every upload
    max_documents_per_user: int | None = Field(default=None, ge=1, description="documents")
    max_bytes_per_user: int | None = Field(default=None, ge=1, description="bytes of documents")
    upload_grace_s: float = Field(
        default=600.0, ge=0, description="after the upload URL expires, then FAILED"
    )
    max_questions_per_user: int = Field(
        default=4, ge=1, le=64, description="answers in flight per person, over all connections"
    )
    # --- vector search on object storage (issue 17; docs/benchmarks.md, "LanceDB on S3") -----
    vector_index_min_rows_object_store: int = Field(
        default=2_000,
        ge=1,
        description="on s3:// maintenance builds the ANN vector index from this size (instead of "
        "RAG_VECTOR_INDEX_MIN_ROWS): its parts stay in the index cache, so a question reads no "
        "vectors from S3",
    )
    vector_refine_factor: int | None = Field(
        default=2,
        ge=1,
        description="with the ANN index, re-rank this many times k candidates by exact distance "
        "(recall@10 vs exact search 0.98 -> 1.0); None: index distances only",
    )

    # --- per-person limits and sign-out on AWS (issue 13) ----------------------------------------
    question_lease_s: int = Field(
        default=360,
        ge=10,
        description="AWS: a question's slot is freed after this even if its worker crashed",
    )
    cognito_user_check_s: float = Field(
        default=60.0,
        ge=0,
        description="AWS: a disabled or signed-out Cognito user's tokens stop working this soon",
    )

    # --- observability (issue 16) ---------------------------------------------------------------
    llm_price_input_per_1k: float | None = Field(
        default=None,
        ge=0,
        description="USD per 1,000 input tokens of the LLM, for the estimated cost; default: "
        "the published price of a known Bedrock model, else 0",
    )
    llm_price_output_per_1k: float | None = Field(
        default=None, ge=0, description="USD per 1,000 output tokens (as above)"
    )
    usage_enabled: bool = Field(
        default=True, description="record per-person daily usage (GET /usage, the Usage page)"
    )
    # --- sharing documents with groups (issue 15) ---
    local_groups: str = Field(
        default="",
        description="local mode's groups, e.g. team-a:alice,bob;team-b:carol (on AWS: the"
        " Cognito groups in the access token)",
    )

    cognito_groups_per_question: bool = Field(
        default=True,
        description="AWS: read the asker's groups from the user pool on every question (so"
        " leaving a group takes effect at once); off: the groups of the connection's token",
    )

    @field_validator("local_groups")
    @classmethod
    def _check_local_groups(cls, value: str) -> str:
        parse_local_groups(value)  # a malformed value stops start-up with its reason
        return value

    @property
    def group_map(self) -> dict[str, frozenset[str]]:
        """Each local user's groups (from ``local_groups``)."""
        return parse_local_groups(self.local_groups)

    # --- conversations and feedback (issue 15) --------------------------------------------------
    conversations_table: str = "rag-conversations"
    conversation_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="a conversation is deleted this long after its last turn, a turn this long "
        "after it was asked (DynamoDB TTL on AWS; the maintenance pass locally)",
    )

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("public_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
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
    def resolved_secret_file(self) -> Path:
        """The local server's signing secret."""
        return self.secret_file or self.data_dir / "server-secret"

    @property
    def conversations_path(self) -> Path:
        """The local conversation store (issue 15)."""
        return self.data_dir / "conversations.sqlite3"

    @property
    def blob_dir(self) -> Path:
        """Where the local blob store keeps document bytes."""
        return self.data_dir / "blobs"

    @property
    def fusion(self) -> FusionWeights:
        """The fusion weights of hybrid retrieval."""
        return FusionWeights(
            self.fusion_vector_weight,
            self.fusion_text_weight,
            self.fusion_rrf_k,
            self.fusion_opening_weight,
            self.fusion_opening_floor,
        )

    @property
    def limits(self) -> IngestLimits:
        """Upload limits and chunking of ingestion."""
        return IngestLimits(
            max_bytes=self.max_upload_bytes,
            max_pages=self.max_pages,
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
        )

    @property
    def maintenance(self) -> MaintenanceOptions:
        """What a maintenance pass keeps and builds."""
        on_s3 = self.resolved_lancedb_uri.startswith("s3://")
        return MaintenanceOptions(
            self.maintenance_retention_s,
            self.vector_index_min_rows_object_store if on_s3 else self.vector_index_min_rows,
            self.cluster_max_runs_per_owner,
        )

    @property
    def llm_prices(self) -> Prices:
        """The LLM's token prices (settings first, then the known Bedrock model's, else 0)."""
        known = Prices(0.0, 0.0)
        if self.llm_provider is LlmProvider.BEDROCK:
            region, _, model = self.bedrock_llm_model.partition(".")
            if region not in ("us", "eu", "apac", "global"):  # not an inference profile
                model = self.bedrock_llm_model
            known = BEDROCK_PRICES_PER_1K.get(model, known)
        return Prices(
            known.input_per_1k
            if self.llm_price_input_per_1k is None
            else self.llm_price_input_per_1k,
            known.output_per_1k
            if self.llm_price_output_per_1k is None
            else self.llm_price_output_per_1k,
        )


def env_name(field: str) -> str:
    """The environment variable that sets ``field`` (for infrastructure code and docs)."""
    if field not in Settings.model_fields:
        raise KeyError(field)
    return f"{ENV_PREFIX}{field.upper()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
