"""Limits of the local server that hold under abuse: a body-size cap on JSON endpoints, a
deadline for request headers, and sign-in throttling (per address and per user name)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import RateLimited


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` (413) on every path except the uploads',
    by ``Content-Length`` up front and by counting while the body streams in (the body is
    buffered, at most ``max_bytes``, before the app sees it)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt_prefix: str = "/uploads/"):
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry."""
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        # Read the (small) body first: an error raised while the app parses it would be
        # turned into a 400 by FastAPI, and a cap must be a 413.
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "too_large", "message": f"request body over {limit} bytes"}}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def with_header_timeout(base: type[Any], seconds: float) -> type[Any]:
    """A uvicorn HTTP protocol class that closes a connection whose request headers are not
    complete ``seconds`` after its bytes started arriving (uvicorn itself waits forever)."""

    class HeaderDeadline(base):  # type: ignore[misc]
        _deadline: asyncio.TimerHandle | None = None
        _upgraded = False

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._deadline is None and not self._upgraded and _between_requests(self):
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_websocket_upgrade(self, *args: Any) -> None:
            self._upgraded = True  # the WebSocket protocol owns the connection from here
            self._disarm()
            super().handle_websocket_upgrade(*args)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _arm(self) -> None:
            waiting_after = self.cycle
            self._deadline = self.loop.call_later(seconds, self._expire, waiting_after)

        def _expire(self, waiting_after: object) -> None:
            self._deadline = None
            if self.cycle is waiting_after and _between_requests(self):
                self.transport.close()

    return HeaderDeadline


def _between_requests(protocol: Any) -> bool:
    cycle = protocol.cycle
    return cycle is None or bool(cycle.response_complete)


def header_timeout_protocol(seconds: float) -> type[Any]:
    """uvicorn's preferred HTTP protocol (httptools, else h11) with a header deadline."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    except ImportError:  # httptools not installed
        from uvicorn.protocols.http.h11_impl import H11Protocol as base  # type: ignore[assignment]
    return with_header_timeout(base, seconds)


class SignInThrottle:
    """At most ``per_minute`` sign-in attempts per client address and per user name in any
    sliding minute (only used when passwords are configured)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, address: str, username: str) -> None:
        """Count one attempt; ``RateLimited`` if either key is over its budget."""
        now = self._clock()
        keys = (f"addr:{address}", f"user:{username.lower()}")
        with self._lock:
            if len(self._seen) > 100_000:  # bounded memory under a spray of names
                self._seen = {k: q for k, q in self._seen.items() if q and q[-1] > now - 60}
            windows = [self._seen.setdefault(key, deque()) for key in keys]
            for window in windows:
                while window and window[0] <= now - 60:
                    window.popleft()
            if any(len(window) >= self._limit for window in windows):
                raise RateLimited("too many sign-in attempts: wait a minute")
            for window in windows:
                window.append(now)
