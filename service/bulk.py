"""Work over many documents, shared by the CLI, notebooks, tests and benchmarks: which files a
folder contributes, "add, drain the worker, read back", and reading every page of a listing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from service.errors import BadRequest, RagError
from service.models import Document, IngestJob

if TYPE_CHECKING:
    from service.ingestion import Outcome
    from service.wiring import Services

SKIP_SUFFIXES = frozenset({".py", ".pyc"})
T = TypeVar("T", covariant=True)


class Page(Protocol[T]):
    """One page of a cursor listing."""

    @property
    def items(self) -> Sequence[T]: ...

    @property
    def next_cursor(self) -> str | None: ...


def all_pages(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Every item of a cursor listing: ``fetch(cursor)`` returns one page, ``None`` the first."""
    cursor = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if not (cursor := page.next_cursor):
            return


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus the files inside folders named: sorted, without hidden files or
    folders and without Python sources. ``BadRequest`` for a path that does not exist."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.suffix.lower() not in SKIP_SUFFIXES
            )
        elif path.is_file():
            found.append(path)
        else:
            raise BadRequest(f"{path} does not exist")
    return found


def add_files(
    services: Services,
    owner: str,
    files: Iterable[Path],
    *,
    on_refused: Callable[[Path, RagError], None] | None = None,
) -> list[Document]:
    """Add ``files`` for ``owner`` (queued for ingestion) and return their records. A file
    refused up front (too large, bad name) is reported to ``on_refused`` and left out; without
    ``on_refused`` the error is raised."""
    queued: list[Document] = []
    for path in files:
        try:
            queued.append(services.documents.add(owner, path.name, path.read_bytes()))
        except RagError as exc:
            if on_refused is None:
                raise
            on_refused(path, exc)
    return queued


def ingest_and_wait(
    services: Services,
    owner: str,
    files: Iterable[Path],
    *,
    on_refused: Callable[[Path, RagError], None] | None = None,
    on_done: Callable[[IngestJob, Outcome], None] | None = None,
) -> list[Document]:
    """``add_files``, then run the local worker until the queue is empty, and return the
    documents' final records."""
    return wait_for(
        services, add_files(services, owner, files, on_refused=on_refused), on_done=on_done
    )


def wait_for(
    services: Services,
    docs: list[Document],
    *,
    on_done: Callable[[IngestJob, Outcome], None] | None = None,
) -> list[Document]:
    """Drain the local worker, then read ``docs`` back (on AWS, where SQS drives the work,
    they are returned as they are)."""
    if services.worker is not None:
        services.worker.drain(on_done=on_done)
    return [services.registry.get(d.doc_id) or d for d in docs]
