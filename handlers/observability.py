"""Operators' routes: ``GET /metrics`` (Prometheus text format, local server only) for
administrators. On AWS the same figures go to CloudWatch as embedded metrics instead."""

from __future__ import annotations

from fastapi import APIRouter, Response

from handlers.api import CallerDep, ServicesDep, _errors
from service.errors import ErrorCode, Forbidden, NotFound

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus exposition format"},
        **_errors(ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND),
    },
)
def metrics(who: CallerDep, svc: ServicesDep) -> Response:
    """Questions, answer and retrieval times, not-found answers, ingestion outcomes, LLM tokens
    and their estimated cost (administrators only; scrape with a bearer token)."""
    if not who.is_admin:
        raise Forbidden("only administrators may read the metrics")
    prometheus = svc.storage.prometheus
    if prometheus is None:
        raise NotFound("metrics are published to CloudWatch in this deployment")
    from service.adapters.prometheus_metrics import CONTENT_TYPE

    return Response(prometheus.render(), media_type=CONTENT_TYPE)
