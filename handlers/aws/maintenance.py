"""Scheduled maintenance: LanceDB ``optimize`` with cleanup of versions older than the
retention window, so deleted documents' text leaves S3 within a documented time."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from handlers.aws.metering import log_metrics_if_any
from handlers.aws.observe import lambda_logger, lambda_tracer
from service.config import get_settings
from service.maintenance import run_upkeep
from service.wiring import Services, build_services

logger = lambda_logger("rag-maintenance")
metrics = Metrics(namespace="RagService", service="maintenance")
tracer = lambda_tracer("rag-maintenance")


@lru_cache(maxsize=1)
def _services() -> Services:
    return build_services(get_settings())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one maintenance pass (an EventBridge schedule invokes this)."""
    services = _services()
    report = services.maintain()
    expired = services.documents.expire_uploads()  # "upload never arrived" (issue 13)
    metrics.add_metric(name="UploadsExpired", unit=MetricUnit.Count, value=expired)
    metrics.add_metric(name="MaintenanceSeconds", unit=MetricUnit.Seconds, value=report.seconds)
    metrics.add_metric(
        name="TableVersionsRemoved",
        unit=MetricUnit.Count,
        value=report.versions_before - report.versions_after,
    )
    upkeep = run_upkeep(services)
    stuck = upkeep.stuck
    metrics.add_metric(name="StuckRequeued", unit=MetricUnit.Count, value=len(stuck.requeued))
    metrics.add_metric(name="StuckFailed", unit=MetricUnit.Count, value=len(stuck.failed))
    return {
        "versions_before": report.versions_before,
        "versions_after": report.versions_after,
        "requeued": stuck.requeued,
        "failed": stuck.failed,
        "dropped_tables": upkeep.dropped_tables,
    }
