"""Logs and traces of the Lambda handlers.

``lambda_logger``: Powertools' JSON logger, whose lines, and those of the service library
(``service.*`` loggers), carry the request id of the running request (``service.context``).

``lambda_tracer``: Powertools' ``Tracer`` only when tracing is on. Making a ``Tracer`` imports
the X-Ray SDK (~0.5 s of a cold start, docs/benchmarks.md "Cold starts") even when tracing is
disabled, so with tracing off a stand-in with the same decorators costs nothing. When on,
Powertools patches botocore, so the chat worker's asynchronous invoke carries the trace header
and ``ws_message -> chat_worker`` is one X-Ray trace; both also annotate it with the request id.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, Protocol, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from handlers.logs import RequestIdFilter

LIBRARY_LOGGERS = ("service", "handlers")
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def lambda_logger(service: str) -> Logger:
    """Powertools' logger for ``service``; the library's loggers write through it too."""
    logger = Logger(service=service)
    logger.addFilter(RequestIdFilter())  # the handler's own lines
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name)  # register the parents, so their children propagate to them
    copy_config_to_registered_loggers(source_logger=logger, include=set(LIBRARY_LOGGERS))
    for name in LIBRARY_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(RequestIdFilter())
    return logger


def tracing_enabled() -> bool:
    """Whether Powertools would trace: on Lambda, unless ``POWERTOOLS_TRACE_DISABLED``."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true", "yes"):
        return False
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not os.environ.get("AWS_SAM_LOCAL")


class TracerLike(Protocol):
    """What the handlers use of Powertools' ``Tracer``."""

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        """Trace each invocation of ``handler``."""
        ...

    def put_annotation(self, key: str, value: str) -> None:
        """Annotate the current trace."""
        ...


class NoTracer:
    """The part of Powertools' ``Tracer`` the handlers use, doing nothing."""

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        """The handler itself."""
        return handler

    def put_annotation(self, key: str, value: str) -> None:
        """Nothing to annotate."""


def lambda_tracer(service: str) -> TracerLike:
    """Powertools' ``Tracer`` when tracing is on, else a ``NoTracer``."""
    if not tracing_enabled():
        return NoTracer()
    from aws_lambda_powertools import Tracer

    return cast(TracerLike, Tracer(service=service))


def annotate(tracer: TracerLike, request_id: str) -> None:
    """Mark the current trace with the request id (searchable in X-Ray)."""
    try:
        tracer.put_annotation(key="request_id", value=request_id)
    except Exception:  # outside a traced invocation the SDK complains; never fail the request
        logging.getLogger(__name__).debug("no trace to annotate", exc_info=True)
