"""The local product server (``rag serve``): one process serving the admin API, the chat
WebSocket, dev sign-in, uploads, the web app, the ingestion worker and scheduled maintenance."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from handlers.api import create_api
from handlers.local.auth import (
    GatedIdentity,
    PasswordBook,
    add_login_route,
    configured_passwords,
    is_loopback,
)
from handlers.local.guard import HostOriginGuard, SecurityHeaders
from handlers.local.limits import BodyLimit, SignInThrottle, header_timeout_protocol
from handlers.local.uploads import UploadSigner, add_upload_route
from handlers.local.ws import add_chat_route
from handlers.logs import log_access
from service.config import Settings
from service.maintenance import run_upkeep
from service.ports import Principal
from service.wiring import Services, local_identity

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # the repository (this file: handlers/local/)
WEB_DIR = ROOT / "frontend" / "dist"
SAMPLES_DIR = ROOT / "samples" / "docs"
SAMPLES_MARKER = "samples-ingested.json"

NO_WEB_APP = """<!doctype html><meta charset="utf-8"><title>RAG service</title>
<h1>The RAG service is running</h1>
<p>The web app has not been built: run <code>cd frontend && npm ci && npm run build</code>, then
restart <code>rag serve</code>. The API is live meanwhile: see <a href="/docs">/docs</a>.</p>"""


class WebAppFiles(StaticFiles):
    """The built web app; a browser asking for an unknown path gets ``index.html`` (the app
    routes on the client side)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file, or the app's page for a browser's unknown path."""
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            accept = dict(scope.get("headers", [])).get(b"accept", b"")
            if exc.status_code != 404 or b"text/html" not in accept:
                raise
            return await super().get_response("index.html", scope)


@dataclass(frozen=True)
class ServerOptions:
    """What the local server needs beyond the services."""

    host: str
    web_dir: Path = WEB_DIR
    passwords: dict[str, str] | None = None


def server_settings(settings: Settings) -> Settings:
    """Settings for the server process: its own (short) job visibility timeout, because it is
    the only consumer of the queue, so a job it held when it died is retried soon after restart."""
    return settings.model_copy(
        update={"queue_visibility_timeout_s": settings.server_visibility_timeout_s}
    )


def create_local_app(services: Services, options: ServerOptions) -> FastAPI:
    """The whole local server as one ASGI app (threads start with its lifespan)."""
    settings = services.settings
    if options.passwords is None and not is_loopback(options.host):
        raise ValueError(
            f"bound to {options.host}, sign-in needs passwords: set RAG_LOCAL_PASSWORDS"
            " (user:password,...) or RAG_LOCAL_PASSWORDS_FILE"
        )
    identity, secret = local_identity(settings)
    book = _password_book(settings, options)
    gated = GatedIdentity(identity, book.allows)
    signer = UploadSigner(secret, ttl_s=settings.upload_url_ttl_s)
    app = create_api(services, gated, upload_target=signer.target, title="RAG service (local)")
    app.router.lifespan_context = _lifespan(services)
    app.middleware("http")(log_access)
    throttle = SignInThrottle(settings.sign_in_attempts_per_minute)
    add_login_route(app, identity, passwords=book, throttle=throttle)
    add_upload_route(app, services, signer)
    add_chat_route(app, services, gated)
    _add_web_app(app, options.web_dir)
    app.add_middleware(BodyLimit, max_bytes=settings.max_json_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        HostOriginGuard, hosts=_own_hosts(settings, options.host), origins=settings.allowed_origins
    )
    return app


def _password_book(settings: Settings, options: ServerOptions) -> PasswordBook:
    """Passwords from the settings are re-read (a removed person loses their tokens);
    passwords passed in directly stay as given."""
    from_settings = settings.local_passwords is not None or settings.local_passwords_file
    if options.passwords is not None and from_settings:
        return PasswordBook(
            lambda: configured_passwords(settings), reload_s=settings.passwords_reload_s
        )
    return PasswordBook(lambda: options.passwords, reload_s=float("inf"))


def _own_hosts(settings: Settings, bind: str) -> set[str]:
    """Loopback names (always), the configured public names, and a concrete bind address."""
    hosts = set(settings.public_hosts)
    if bind not in ("0.0.0.0", "::", ""):  # noqa: S104 - a wildcard names no host
        hosts.add(bind.strip("[]"))
    return hosts


def _lifespan(services: Services) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        app.state.chat_executor = ThreadPoolExecutor(
            services.settings.chat_threads, thread_name_prefix="chat"
        )
        threads = [
            threading.Thread(target=_work, args=(services, stop), name="worker", daemon=True),
            threading.Thread(
                target=_maintain, args=(services, stop), name="maintenance", daemon=True
            ),
        ]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            app.state.chat_executor.shutdown(wait=False, cancel_futures=True)
            for thread in threads:
                thread.join(timeout=30)

    return lifespan


def _work(services: Services, stop: threading.Event) -> None:
    if services.worker is not None:
        services.worker.run_forever(stop)


def _maintain(services: Services, stop: threading.Event) -> None:
    settings = services.settings
    while not stop.wait(settings.maintenance_interval_s):
        try:
            services.maintain()
            run_upkeep(services)
            services.documents.expire_uploads()
        except Exception:  # one failed run must not end the schedule; the next one retries
            log.exception("maintenance failed")


def web_config(request: Request) -> dict[str, Any]:
    """``config.json`` for the web app, pointing at wherever the browser reached this server."""
    base = str(request.base_url).rstrip("/")
    ws_base = "wss" + base[5:] if base.startswith("https") else "ws" + base[4:]
    return {"mode": "local", "apiUrl": base, "wsUrl": f"{ws_base}/ws", "auth": {"type": "local"}}


def _add_web_app(app: FastAPI, web_dir: Path) -> None:
    @app.get("/config.json", include_in_schema=False)
    def config_json(request: Request) -> JSONResponse:
        return JSONResponse(web_config(request), headers={"Cache-Control": "no-store"})

    if (web_dir / "index.html").is_file():
        # Mounted last, so every API route above wins over a file of the same name.
        app.mount("/", WebAppFiles(directory=web_dir, html=True), name="web")
        return

    @app.get("/", include_in_schema=False)
    def no_web_app() -> HTMLResponse:
        return HTMLResponse(NO_WEB_APP)


def seed_samples(services: Services, samples: Path, user: str) -> int:
    """Queue the sample documents for ``user`` on the first start only; returns how many.

    A marker in the data dir remembers it; files already present by name are not added again,
    so a crash between the two steps never duplicates them.
    """
    marker = services.settings.data_dir / SAMPLES_MARKER
    if marker.exists() or not samples.is_dir():
        return 0
    owner = Principal(user_id=user)
    existing = {d.filename for d in services.documents.list(owner, limit=1000).items}
    files = sorted(p for p in samples.iterdir() if p.is_file() and not p.name.startswith("."))
    added = 0
    for path in files:
        if path.name not in existing:
            services.documents.add(user, path.name, path.read_bytes())
            added += 1
    marker.write_text(json.dumps({"user": user, "files": [p.name for p in files]}))
    return added


def run_server(
    services: Services, options: ServerOptions, *, port: int, samples: Path | None
) -> None:
    """Queue the samples on first start, print where to go, and serve until interrupted."""
    import uvicorn

    seeded = seed_samples(services, samples, services.settings.demo_user) if samples else 0
    app = create_local_app(services, options)
    url = f"http://{'localhost' if options.host in ('127.0.0.1', '::1') else options.host}:{port}"
    if seeded:
        print(f"Indexing {seeded} sample documents for user {services.settings.demo_user!r}…")
    how = (
        "any user name"
        if options.passwords is None
        else "a user name and password configured in RAG_LOCAL_PASSWORDS"
    )
    print(
        f"RAG service on {url}  (sign in with {how}, e.g. {services.settings.demo_user!r};"
        f" API docs at {url}/docs)",
        flush=True,
    )
    uvicorn.run(
        app,
        host=options.host,
        port=port,
        log_config=None,
        access_log=False,  # replaced by handlers.logs.log_access, which drops query strings
        timeout_graceful_shutdown=5,
        timeout_keep_alive=services.settings.keep_alive_timeout_s,
        http=header_timeout_protocol(services.settings.header_timeout_s),
    )
