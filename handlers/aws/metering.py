"""Publishing Powertools metrics only when a request recorded some: routes such as ``ping``
or a gone connection record none, and ``Metrics.log_metrics`` would warn ("No application
metrics to publish") on every one of them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Metrics

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def log_metrics_if_any(metrics: Metrics) -> Callable[[Handler], Handler]:
    """Like ``metrics.log_metrics``, without the warning when nothing was recorded."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(event: dict[str, Any], context: Any) -> dict[str, Any]:
            try:
                return handler(event, context)
            finally:
                if metrics.metric_set:
                    metrics.flush_metrics()

        return wrapped

    return decorate
