"""Operators' routes, for administrators: ``GET /metrics`` (Prometheus text format, local server
only; on AWS the same figures go to CloudWatch as embedded metrics) and ``GET /usage`` (per
person and per day: questions, documents, failures, tokens and estimated cost)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from handlers.api import CallerDep, ServicesDep, _errors
from service.errors import ErrorCode, Forbidden, NotFound
from service.models import UsageReport

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


@router.get(
    "/usage",
    response_model=UsageReport,
    responses=_errors(ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND),
)
def usage(
    who: CallerDep, svc: ServicesDep, days: Annotated[int, Query(ge=1, le=90)] = 7
) -> UsageReport:
    """Per-person usage over the last ``days`` days, today included (UTC); administrators
    only."""
    if not who.is_admin:
        raise Forbidden("only administrators may read usage")
    store = svc.storage.usage
    if store is None:
        raise NotFound("usage is not recorded here (RAG_USAGE_ENABLED=false)")
    from service.usage import usage_report

    return usage_report(store, days)
