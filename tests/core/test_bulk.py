"""Work over many documents: the one rule for a folder's files, ingest-and-wait, pagination."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from service.bulk import all_pages, collect_files, ingest_and_wait
from service.errors import BadRequest, RagError
from service.models import DocumentStatus
from service.ports import Principal
from service.wiring import Services


def test_collect_files_skips_hidden_and_python_files(tmp_path: Path) -> None:
    for name in ["b.md", "a.txt", "sub/c.pdf", ".hidden.txt", ".git/config", "tool.py", "x.PYC"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    single = tmp_path / "tool.py"  # a file named explicitly is taken whatever it is
    found = collect_files([tmp_path, single])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.txt",
        "b.md",
        "sub/c.pdf",
        "tool.py",
    ]
    with pytest.raises(BadRequest, match="does not exist"):
        collect_files([tmp_path / "missing"])


def test_ingest_and_wait_reports_refusals_and_returns_final_records(
    tmp_path: Path, make_services: Callable[..., Services]
) -> None:
    services = make_services(max_upload_bytes=1000)
    (tmp_path / "ok.txt").write_text("The kelp survey runs every spring. " * 3)
    (tmp_path / "big.txt").write_text("x" * 2000)
    refused: list[tuple[str, RagError]] = []
    docs = ingest_and_wait(
        services,
        "alice",
        collect_files([tmp_path]),
        on_refused=lambda path, exc: refused.append((path.name, exc)),
    )
    assert [(d.filename, d.status) for d in docs] == [("ok.txt", DocumentStatus.INDEXED)]
    assert [name for name, _ in refused] == ["big.txt"]


def test_all_pages_reads_every_page(make_services: Callable[..., Services]) -> None:
    services = make_services()
    for i in range(5):
        services.documents.create("alice", f"f{i}.txt")
    alice = Principal("alice")
    pages = all_pages(lambda cursor: services.documents.list(alice, cursor=cursor, limit=2))
    assert sorted(d.filename for d in pages) == [f"f{i}.txt" for i in range(5)]
