"""Admin REST API on AWS: the shared FastAPI app behind API Gateway's HTTP API through Mangum.
API Gateway's JWT authorizer checks the token first; the app verifies it again (Cognito)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Metrics
from mangum import Mangum

from handlers.api import create_api
from handlers.aws.metering import log_metrics_if_any
from handlers.aws.observe import lambda_logger, lambda_tracer
from service.config import get_settings
from service.models import Document, UploadTarget
from service.wiring import build_identity, build_services

logger = lambda_logger("rag-admin")
metrics = Metrics(namespace="RagService", service="admin")
tracer = lambda_tracer("rag-admin")


@lru_cache(maxsize=1)
def _app() -> Mangum:
    settings = get_settings()
    services = build_services(settings)  # LanceDB and LlamaIndex load only when a route needs them
    if services.aws is None:  # a wiring error: uploads need presigned POSTs
        raise TypeError("the admin API needs the AWS adapters (RAG_MODE=aws)")
    blobs = services.aws.blobs

    def upload_target(doc: Document, _base_url: str) -> UploadTarget:
        return blobs.upload_target(
            doc.blob_key, max_bytes=settings.max_upload_bytes, expires_s=settings.upload_url_ttl_s
        )

    api = create_api(services, build_identity(settings), upload_target=upload_target)
    return Mangum(api, lifespan="off")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The HTTP API (payload v2) entry point."""
    response: dict[str, Any] = _app()(event, context)
    return response
