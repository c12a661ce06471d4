"""Logging for the local server: query strings (``?token=``, upload signatures) and anything
shaped like a JWT are redacted from every record, and the access log carries paths only. Every
record carries the request id of the request it belongs to (``service.context``)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from service.context import current_request_id, request_scope, usable_request_id

_QUERY = re.compile(r"\?[^\s\"'<>]*")
_JWT = re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
REDACTED = "[redacted]"
if TYPE_CHECKING:  # the Lambda handlers import this module without Starlette
    from starlette.requests import Request
    from starlette.responses import Response

REQUEST_ID_HEADER = "X-Request-Id"
access_log = logging.getLogger("rag.access")


def redact(text: str) -> str:
    """``text`` without query strings or token-shaped strings."""
    return _JWT.sub(REDACTED, _QUERY.sub("?" + REDACTED, text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (uvicorn logs WebSocket handshakes with their query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RequestIdFilter(logging.Filter):
    """Stamps each record with the running request's id (``record.request_id``), which the
    JSON formatters (ours, and Powertools' on Lambda) then print."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the id when a request is running; never drops a record."""
        request_id = current_request_id()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


class RedactingFormatter(logging.Formatter):
    """Also redacts tracebacks, which the filter cannot reach."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, redacted."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, redacted: a newline or quote inside any field (a client's
    ``request_id``, a file name) is escaped, so no field can forge a log line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id is not None:
            entry["request_id"] = str(request_id)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=True)


def configure_logging(level: int = logging.INFO) -> None:
    """One stderr handler on the root logger, redacting; uvicorn's loggers propagate to it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


async def log_access(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """HTTP middleware: runs the request under its request id (the caller's ``X-Request-Id``
    when it is a plain short id, else a new one; echoed in the response) and logs method, path
    (never the query), status and duration."""
    request_id = usable_request_id(request.headers.get(REQUEST_ID_HEADER))
    with request_scope(request_id):
        started = time.perf_counter()
        response = await call_next(request)
        access_log.info(
            "%s %s %d %.1fms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
