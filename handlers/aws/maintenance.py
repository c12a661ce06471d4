"""Scheduled maintenance: LanceDB ``optimize`` with cleanup of versions older than the
retention window, so deleted documents' text leaves S3 within a documented time."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from service.config import get_settings
from service.maintenance import run_maintenance
from service.wiring import Services, build_services

logger = Logger(service="rag-maintenance")
metrics = Metrics(namespace="RagService", service="maintenance")
tracer = Tracer(service="rag-maintenance")


@lru_cache(maxsize=1)
def _services() -> Services:
    return build_services(get_settings())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one maintenance pass (an EventBridge schedule invokes this)."""
    services = _services()
    report = run_maintenance(
        services.store,
        retention_s=services.settings.maintenance_retention_s,
        vector_index_min_rows=services.settings.vector_index_min_rows,
    )
    expired = services.documents.expire_uploads()  # "upload never arrived" (issue 13)
    metrics.add_metric(name="UploadsExpired", unit=MetricUnit.Count, value=expired)
    metrics.add_metric(name="MaintenanceSeconds", unit=MetricUnit.Seconds, value=report.seconds)
    metrics.add_metric(
        name="TableVersionsRemoved",
        unit=MetricUnit.Count,
        value=report.versions_before - report.versions_after,
    )
    return {"versions_before": report.versions_before, "versions_after": report.versions_after}
