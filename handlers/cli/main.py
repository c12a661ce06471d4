"""The ``rag`` command line: ingest, ask, manage documents, and a demo prompt.

Starts fast: LanceDB, LlamaIndex and the embedding model load only in the commands that need
them (the services build them on first use), so ``rag --help``, ``rag --version`` and
``rag docs list`` never import them (pinned by ``tests/cli/test_cold_start.py``).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from handlers.cli.eval import eval_command
from handlers.cli.feedback import feedback_app
from handlers.cli.serve import serve
from service import bulk
from service.config import Settings
from service.errors import RagError
from service.models import (
    ChatTurn,
    Document,
    DocumentStatus,
    IngestJob,
    IngestReport,
    SourcesEvent,
    TokenEvent,
)
from service.ports import Principal
from service.wiring import Services, build_services

if TYPE_CHECKING:
    from service.ingestion import Outcome

app = typer.Typer(
    help="Chat with your documents: offline on this machine, or on AWS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
docs_app = typer.Typer(help="List, inspect, delete and re-index documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
app.add_typer(feedback_app, name="feedback")
app.command("eval")(eval_command)
app.command()(serve)
out = Console()
err = Console(stderr=True)

UserOpt = Annotated[
    str | None, typer.Option("--user", "-u", help="Act as this user (default: local)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


@dataclass
class CliState:
    """What the global options set, kept in Typer's context object for the commands."""

    data_dir: Path | None = None
    built: list[Services] = field(default_factory=list)

    def settings(self) -> Settings:
        """The settings of this invocation (``--data-dir`` over ``RAG_DATA_DIR``)."""
        return Settings() if self.data_dir is None else Settings(data_dir=self.data_dir)

    def services(self) -> Services:
        """The services of this invocation, built once."""
        if not self.built:
            self.built.append(build_services(self.settings()))
        return self.built[0]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"rag {version('rag-service')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory (env RAG_DATA_DIR)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    _: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version")
    ] = False,
) -> None:
    """Global options."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = CliState(data_dir=data_dir)


def services(ctx: typer.Context) -> Services:
    """The services for this invocation (heavy parts built on first use)."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState), "the app callback sets the state"
    return obj.services()


def user_of(ctx: typer.Context, user: str | None) -> Principal:
    """The acting principal (the CLI runs with the owner's full rights)."""
    settings = services(ctx).settings
    name = user or settings.default_user
    groups = settings.group_map.get(name, frozenset())  # RAG_LOCAL_GROUPS (issue 15)
    return Principal(user_id=name, is_admin=name in settings.admins, groups=groups)


def fail(exc: RagError) -> typer.Exit:
    """Print a service error and exit non-zero."""
    err.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(code=2)


def collect_files(paths: list[Path]) -> list[Path]:
    """The files to add (``service.bulk.collect_files``: one rule everywhere)."""
    try:
        return bulk.collect_files(paths)
    except RagError as exc:
        raise typer.BadParameter(exc.message) from exc


def progress_bar() -> Progress:
    """A transient progress bar on stderr (stdout stays clean for --json)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def run_jobs(svc: Services, docs: list[Document]) -> list[Document]:
    """Process queued jobs with a progress bar; returns the documents' final records."""
    if svc.worker is None:
        raise typer.Exit(code=0)  # on AWS the SQS-driven Lambda does the work
    with progress_bar() as progress:
        task = progress.add_task("indexing", total=len(docs))
        ids = {d.doc_id for d in docs}

        def advance(job: IngestJob, _outcome: Outcome) -> None:
            if job.doc_id in ids:
                progress.advance(task)

        return bulk.wait_for(svc, docs, on_done=advance)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders")],
    user: UserOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add documents and index them before returning."""
    svc, who = services(ctx), user_of(ctx, user)
    files = collect_files(paths)
    if not files:
        raise typer.BadParameter("no files found")

    def skipped(path: Path, exc: RagError) -> None:
        err.print(f"[yellow]skipped[/yellow] {path}: {exc.message}")

    final = run_jobs(svc, bulk.add_files(svc, who.user_id, files, on_refused=skipped))
    print_documents(final, json_out)
    if any(d.status is DocumentStatus.FAILED for d in final):
        raise typer.Exit(code=1)


@app.command()
def ask(
    ctx: typer.Context,
    question: str,
    user: UserOpt = None,
    json_out: JsonOpt = False,
    doc: Annotated[list[str] | None, typer.Option("--doc", help="Only these doc ids")] = None,
) -> None:
    """Ask a question; the answer streams with numbered citations."""
    svc, who = services(ctx), user_of(ctx, user)
    try:
        svc.chat.validate(question)
    except RagError as exc:
        raise fail(exc) from exc
    answer, sources = stream_answer(svc, who, question, [], doc, echo=not json_out)
    if json_out:
        print(json.dumps({"answer": answer, "sources": sources}, ensure_ascii=False))


def stream_answer(
    svc: Services,
    who: Principal,
    question: str,
    history: list[ChatTurn],
    doc_ids: list[str] | None,
    *,
    echo: bool,
) -> tuple[str, list[dict[str, object]]]:
    """Run one question, echoing tokens as they come; returns the text and sources."""
    parts: list[str] = []
    sources: list[dict[str, object]] = []
    asked = svc.chat.ask(who.user_id, question, history=history, doc_ids=doc_ids, groups=who.groups)
    for event in asked:
        if isinstance(event, TokenEvent):
            parts.append(event.text)
            if echo:
                sys.stdout.write(event.text)
                sys.stdout.flush()
        elif isinstance(event, SourcesEvent):
            sources = [s.model_dump() for s in event.sources]
        elif event.type == "error":
            err.print(f"[red]error:[/red] {event.message}")
            raise typer.Exit(code=2)
    if echo:
        sys.stdout.write("\n")
        for s in sources:
            page = f", page {s['page']}" if s["page"] is not None else ""
            out.print(f"  [{s['n']}] {s['filename']}{page}", highlight=False)
    return "".join(parts), sources


def _lines() -> Iterator[str]:
    while True:
        try:
            line = input("\nask> ")
        except EOFError:
            return
        if line.strip().lower() in {"quit", "exit", ":q"}:
            return
        yield line


@app.command()
def chat(ctx: typer.Context, user: UserOpt = None) -> None:
    """An interactive prompt with follow-ups (empty line or Ctrl-D to quit)."""
    svc, who = services(ctx), user_of(ctx, user)
    history: list[ChatTurn] = []
    out.print("Ask about your documents; follow-ups use the previous turns. Ctrl-D quits.")
    for question in _lines():
        if not question.strip():
            continue
        answer, _ = stream_answer(svc, who, question, history, None, echo=True)
        history += [
            ChatTurn(role="user", content=question),
            ChatTurn(role="assistant", content=answer),
        ]


@app.command()
def reindex(
    ctx: typer.Context,
    all_docs: Annotated[bool, typer.Option("--all", help="Rebuild the whole index")] = False,
) -> None:
    """Rebuild every document into a new table (after changing the embedding model or the
    chunking settings); queries keep using the old table until the new one is complete."""
    if not all_docs:
        raise typer.BadParameter("use --all (one document: rag docs reindex DOC_ID)")
    from service.providers import build_embedding
    from service.reindex import RebuildFailed, indexed_documents, rebuild_index

    storage = services(ctx).storage  # the table is not opened: the rebuild makes a new one
    settings = storage.settings
    embed_model, model_id, dim = build_embedding(settings)
    registry, blobs = storage.registry, storage.blobs
    total = sum(1 for _ in indexed_documents(registry))
    with progress_bar() as progress:
        task = progress.add_task(f"re-indexing with {model_id}", total=total)
        try:
            report = rebuild_index(
                settings,
                registry=registry,
                blobs=blobs,
                embed_model=embed_model,
                model_id=model_id,
                dim=dim,
                on_document=lambda _doc: progress.advance(task),
            )
        except RebuildFailed as exc:
            for doc_id, reason in exc.report.failed.items():
                err.print(f"[red]failed[/red] {doc_id}: {reason}")
            raise fail(exc) from exc
    err.print(
        f"switched from {report.old_table} to {report.new_table}: {report.documents} "
        f"documents, {report.chunks} chunks in {report.seconds:.1f} s"
    )


@app.command()
def maintain(
    ctx: typer.Context,
    retention_s: Annotated[
        float | None, typer.Option(help="Delete table versions older than this (seconds)")
    ] = None,
) -> None:
    """Compact the vector table, update its indexes and remove old versions."""
    from service.maintenance import run_upkeep

    svc = services(ctx)
    report = svc.maintain(retention_s)
    err.print(
        f"maintenance done in {report.seconds:.1f} s: table versions "
        f"{report.versions_before} -> {report.versions_after}"
    )
    upkeep = run_upkeep(svc, retention_s=retention_s)
    for name in upkeep.dropped_tables:
        err.print(f"dropped retired table {name}")


@app.command()
def demo(
    ctx: typer.Context,
    samples: Annotated[Path, typer.Option(help="Sample documents folder")] = Path("samples"),
    user: Annotated[str, typer.Option("--user", "-u")] = "demo",
) -> None:
    """Ingest the sample documents for the demo user (first run only), then open the prompt."""
    svc, who = services(ctx), Principal(user_id=user)
    if not svc.documents.list(who, limit=1).items:
        files = collect_files([samples])
        err.print(f"Indexing {len(files)} sample documents for user {user!r} (first start only)…")
        print_documents(run_jobs(svc, bulk.add_files(svc, user, files)), False)
    chat(ctx, user=user)


def print_documents(docs: list[Document], json_out: bool) -> None:
    """A table (or JSON lines) of documents."""
    if json_out:
        print(json.dumps([d.model_dump(mode="json") for d in docs], ensure_ascii=False))
        return
    table = Table("doc_id", "filename", "status", "chunks", "pages", "version", "error")
    for d in docs:
        table.add_row(
            d.doc_id,
            d.filename,
            d.status.value,
            str(d.chunks),
            "" if d.pages is None else str(d.pages),
            str(d.version),
            d.error or "",
        )
    out.print(table)


@docs_app.command("list")
def docs_list(
    ctx: typer.Context,
    user: UserOpt = None,
    all_users: Annotated[bool, typer.Option("--all")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List documents (admins: --all for everyone's)."""
    svc, who = services(ctx), user_of(ctx, user)
    items = bulk.all_pages(
        lambda cursor: svc.documents.list(who, all_users=all_users, cursor=cursor, limit=200)
    )
    print_documents(list(items), json_out)


@docs_app.command("show")
def docs_show(
    ctx: typer.Context, doc_id: str, user: UserOpt = None, json_out: JsonOpt = False
) -> None:
    """Show one document."""
    svc, who = services(ctx), user_of(ctx, user)
    try:
        doc = svc.documents.get(who, doc_id)
    except RagError as exc:
        raise fail(exc) from exc
    print_documents([doc], json_out)
    if doc.report is not None and not json_out:
        out.print(report_text(doc.report))


def report_text(report: IngestReport) -> str:
    """The ingestion report of ``rag docs show``, one fact per line."""
    lines = [f"chunks: {report.chunks}"]
    if report.pages is not None:
        lines.append(f"pages: {report.pages}, without text: {len(report.pages_without_text)}")
    lines.append(f"parse: {report.parse_s:.2f} s, embedding: {report.embed_s:.2f} s")
    lines += [f"warning: {w}" for w in report.warnings]
    return "\n".join(lines)


@docs_app.command("delete")
def docs_delete(ctx: typer.Context, doc_id: str, user: UserOpt = None) -> None:
    """Delete a document: its vectors, its file and its record."""
    svc, who = services(ctx), user_of(ctx, user)
    try:
        svc.documents.delete(who, doc_id)
    except RagError as exc:
        raise fail(exc) from exc
    err.print(f"deleted {doc_id}")


@docs_app.command("reindex")
def docs_reindex(
    ctx: typer.Context, doc_id: str, user: UserOpt = None, json_out: JsonOpt = False
) -> None:
    """Re-index a document (new version) and wait for it."""
    svc, who = services(ctx), user_of(ctx, user)
    try:
        doc = svc.documents.reindex(who, doc_id)
    except RagError as exc:
        raise fail(exc) from exc
    print_documents(run_jobs(svc, [doc]), json_out)


if __name__ == "__main__":
    app()
