"""boto3 clients made from settings (region, and an endpoint for moto in tests).
boto3 is imported here, lazily, so nothing else pays for it unless it runs on AWS."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from service.config import Settings

_BEDROCK = {"bedrock-runtime", "bedrock-agent-runtime"}


def aws_client(settings: Settings, service: str, *, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service``; Bedrock gets its own region/endpoint settings and
    standard-mode retries (exponential backoff with jitter, ``bedrock_max_attempts``)."""
    import boto3
    from botocore.config import Config

    if service in _BEDROCK:
        config = Config(
            retries={"mode": "standard", "total_max_attempts": settings.bedrock_max_attempts},
            connect_timeout=10,
            read_timeout=settings.bedrock_timeout_s,
            max_pool_connections=max(10, settings.bedrock_concurrency * 2),
        )
        return boto3.session.Session().client(
            service,
            region_name=settings.bedrock_region or settings.aws_region,
            endpoint_url=endpoint_url or settings.bedrock_endpoint_url,
            config=config,
        )
    return boto3.session.Session().client(
        service,
        region_name=settings.aws_region,
        endpoint_url=endpoint_url or settings.aws_endpoint_url,
        config=Config(retries={"mode": "standard"}),
    )


def lancedb_storage_options(settings: Settings) -> dict[str, str]:
    """LanceDB object-store options for ``s3://`` URIs (credentials come from the runtime)."""
    options = {"region": settings.aws_region}
    if settings.aws_endpoint_url:
        options["endpoint"] = settings.aws_endpoint_url
    if settings.lancedb_allow_http:
        options["allow_http"] = "true"
    return options


class LazyClient:
    """A boto3 client made on first use, so a cold start pays (~0.1 s each) only for the
    clients its request calls; otherwise it behaves as the client itself."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make()
        return getattr(self._client, name)


def lazy_client(settings: Settings, service: str, *, endpoint_url: str | None = None) -> Any:
    """``aws_client``, made on first use."""
    return LazyClient(lambda: aws_client(settings, service, endpoint_url=endpoint_url))
