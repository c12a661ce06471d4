"""What a deployment is told from outside: ``cdk deploy -c key=value`` (or ``cdk.json``).

Defaults come from ``service.config.Settings`` so the infrastructure and the code can never
disagree about a model id or a retry count; only deployment choices live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.config import Settings

# The one architecture of the image and of every function (infra/README.md says why x86_64).
# Changing it also needs the Dockerfile's FROM --platform and a lock for that platform.
ARCHITECTURE = "x86_64"

# Functions' wall-clock limits, in seconds. SQS visibility is derived from the ingest timeout.
INGEST_TIMEOUT_S = 600
VISIBILITY_FACTOR = 6  # AWS guidance: visibility >= 6 x the function timeout for SQS sources
CHAT_TIMEOUT_S = 300
MAINTENANCE_TIMEOUT_S = 900


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


def _csv(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


def _non_negative(value: object) -> float:
    number = float(str(value))
    if not number >= 0:  # also refuses NaN
        raise ValueError(f"expected a number >= 0, got {value!r}")
    return number


def _flag(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class DeployConfig:
    """Deployment settings (all optional; the defaults deploy a working, closed system)."""

    prefix: str = "Rag"
    bedrock_embed_model: str = _default("bedrock_embed_model")
    bedrock_llm_model: str = _default("bedrock_llm_model")
    bedrock_region: str | None = None  # default: the stack's region
    bedrock_rerank_model: str | None = None  # e.g. "amazon.rerank-v1:0"; None: no reranking
    admins: tuple[str, ...] = ()  # e-mail addresses invited as Cognito users in group `admins`
    self_sign_up: bool = False
    web_origins: tuple[str, ...] = ()  # extra CORS origins (e.g. a dev server) besides Amplify
    alarm_email: str | None = None
    ingest_max_concurrency: int = 4
    ingest_batch_size: int = 2
    queue_max_receives: int = _default("queue_max_receives")
    # 0 drops the document-openings search (about 5 S3 requests per question; docs/benchmarks.md)
    fusion_opening_weight: float = _default("fusion_opening_weight")
    ws_rate_limit: int = 50  # requests/s across the WebSocket stage
    ws_burst_limit: int = 100
    log_retention_days: int = 30
    create_api_gateway_log_role: bool = True

    @classmethod
    def from_context(cls, get: Any) -> DeployConfig:
        """Read ``cdk -c`` values through ``get(key) -> value | None`` (``try_get_context``)."""

        def pick(key: str, default: Any, convert: Any = str) -> Any:
            value = get(key)
            return default if value is None or value == "" else convert(value)

        base = cls()
        return cls(
            prefix=pick("prefix", base.prefix),
            bedrock_embed_model=pick("bedrockEmbedModel", base.bedrock_embed_model),
            bedrock_llm_model=pick("bedrockLlmModel", base.bedrock_llm_model),
            bedrock_region=pick("bedrockRegion", None),
            bedrock_rerank_model=pick("bedrockRerankModel", None),
            admins=pick("admins", (), _csv),
            self_sign_up=pick("selfSignUp", False, _flag),
            web_origins=pick("webOrigins", (), _csv),
            alarm_email=pick("alarmEmail", None),
            ingest_max_concurrency=pick("ingestMaxConcurrency", base.ingest_max_concurrency, int),
            ingest_batch_size=pick("ingestBatchSize", base.ingest_batch_size, int),
            queue_max_receives=pick("queueMaxReceives", base.queue_max_receives, int),
            fusion_opening_weight=pick(
                "fusionOpeningWeight", base.fusion_opening_weight, _non_negative
            ),
            ws_rate_limit=pick("wsRateLimit", base.ws_rate_limit, int),
            ws_burst_limit=pick("wsBurstLimit", base.ws_burst_limit, int),
            log_retention_days=pick("logRetentionDays", base.log_retention_days, int),
            create_api_gateway_log_role=pick("createApiGatewayLogRole", True, _flag),
        )
