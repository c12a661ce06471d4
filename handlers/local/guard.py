"""DNS-rebinding and cross-site defence of the local server, as one ASGI middleware.

A page on another site can make the browser talk to ``127.0.0.1`` (rebinding its own name to
it, or simply opening a WebSocket, which has no CORS). So every request must name one of our
host names in ``Host``, and a browser's ``Origin``, when sent, must be our own origin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
FORBIDDEN_CLOSE = 4403  # before accept, uvicorn answers the handshake with HTTP 403


def host_name(value: str) -> str:
    """The lower-cased host name of a ``Host`` header value (port and IPv6 brackets gone)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class HostOriginGuard:
    """Refuses requests for foreign host names (400) and from foreign origins (403)."""

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], origins: Iterable[str] = ()):
        self.app = app
        self.hosts = LOOPBACK_NAMES | {h.strip().lower() for h in hosts if h.strip()}
        self.origins = {o.strip().lower().rstrip("/") for o in origins if o.strip()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry: check, then pass through or refuse."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if host_name(host) not in self.hosts:
            await _refuse(scope, send, 400, "bad_request", "unknown host name")
        elif "origin" in headers and not self._own_origin(headers["origin"], host):
            await _refuse(scope, send, 403, "forbidden", "requests from this origin are refused")
        else:
            await self.app(scope, receive, send)

    def _own_origin(self, origin: str, host: str) -> bool:
        """Same origin as the (already allowed) host we were reached at, or configured."""
        origin = origin.strip().lower().rstrip("/")
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == host.strip().lower()


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": FORBIDDEN_CLOSE, "reason": ""})
        return
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# The web app's policy (frontend/vite.config.ts) plus frame-ancestors, which a meta tag cannot
# set. connect-src stays open: API, WebSocket and upload hosts come from config.json.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self' 'unsafe-inline'",
        "connect-src 'self' http: https: ws: wss:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)
