"""The request id of the work in progress, carried by a context variable from the edge that
received the request (REST middleware, WebSocket ``ask``, a Lambda handler) through retrieval
and generation, so every log line of one request carries the same id."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_REQUEST_ID: ContextVar[str | None] = ContextVar("rag_request_id", default=None)
_SAFE = re.compile(r"[A-Za-z0-9._:=+/-]{1,64}")  # API Gateway ids end in "="


def new_request_id() -> str:
    """A fresh server-made request id."""
    return uuid.uuid4().hex


def usable_request_id(candidate: str | None) -> str:
    """``candidate`` if it is a short, plain id (safe to log and to echo in a header), else a
    fresh one: a caller's id never brings newlines or megabytes into the logs."""
    if candidate and _SAFE.fullmatch(candidate):
        return candidate
    return new_request_id()


def current_request_id() -> str | None:
    """The request id of the running request, if an edge set one."""
    return _REQUEST_ID.get()


@contextmanager
def request_scope(request_id: str) -> Iterator[str]:
    """Run the block under ``request_id`` (restored afterwards, so nesting and thread pools
    that reuse threads never leak one request's id into the next)."""
    token = _REQUEST_ID.set(request_id)
    try:
        yield request_id
    finally:
        _REQUEST_ID.reset(token)
