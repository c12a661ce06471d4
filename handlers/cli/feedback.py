"""``rag feedback export``: every person's ratings of answers as JSON lines (issue 15), from
the same service function as the admins' ``GET /feedback``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

feedback_app = typer.Typer(help="Feedback people gave on answers.", no_args_is_help=True)


@feedback_app.command("export")
def export(
    ctx: typer.Context,
    since: Annotated[
        datetime | None,
        typer.Option(help="Only feedback given at or after this time (UTC unless it says)"),
    ] = None,
) -> None:
    """Print feedback as JSON lines: question, answer, sources, settings, rating, comment,
    owner and time. (The command line acts with the data directory's full rights.)"""
    services = ctx.find_root().obj.services()
    moment = since or datetime.min
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    for record in services.conversations.export_feedback(moment):
        sys.stdout.write(record.model_dump_json() + "\n")
