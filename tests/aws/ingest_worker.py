"""Runs in a spawned process: ingest jobs into the shared LanceDB table on moto S3."""

from __future__ import annotations

from typing import Any


def run_jobs(env: dict[str, Any], jobs: list[tuple[str, int]]) -> list[str]:
    """Build the AWS services from ``env`` (as a fresh Lambda would) and process ``jobs``."""
    from service.config import Settings
    from service.models import IngestJob
    from service.wiring import build_services

    services = build_services(Settings(**env))
    return [
        services.ingestor.process(IngestJob(doc_id=d, version=v), final_attempt=True).value
        for d, v in jobs
    ]
