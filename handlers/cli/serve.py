"""The ``rag serve`` command (registered by ``handlers.cli.main``); imports the server lazily so
other commands start fast."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Bind address (env RAG_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env RAG_PORT)")] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (env RAG_DATA_DIR)")
    ] = None,
    web_dir: Annotated[
        Path | None, typer.Option(help="Built web app (default frontend/dist)")
    ] = None,
    samples: Annotated[
        Path | None, typer.Option(help="Sample documents for the demo user (first start only)")
    ] = None,
    no_samples: Annotated[bool, typer.Option("--no-samples", help="Do not add samples")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Serve the web app, API and chat on this machine (offline, local mode)."""
    from handlers.local.auth import configured_passwords
    from handlers.local.server import (
        SAMPLES_DIR,
        WEB_DIR,
        ServerOptions,
        run_server,
        server_settings,
    )
    from handlers.logs import configure_logging
    from service.config import Settings
    from service.wiring import build_services

    configure_logging(logging.DEBUG if verbose else logging.INFO)
    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "data_dir": data_dir or getattr(ctx.find_root().obj, "data_dir", None),
    }
    settings = server_settings(Settings(**{k: v for k, v in overrides.items() if v is not None}))
    options = ServerOptions(
        host=settings.host,
        web_dir=web_dir or WEB_DIR,
        passwords=configured_passwords(settings),
    )
    services = build_services(settings)
    services.heavy()  # open the table and load the model now: a mismatch stops the start
    run_server(
        services,
        options,
        port=settings.port,
        samples=None if no_samples else samples or SAMPLES_DIR,
    )
