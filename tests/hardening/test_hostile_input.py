"""Hostile and broken uploads: each ends FAILED with a readable reason (or is refused before
parsing) within time and memory caps, and nothing else is disturbed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from service.errors import TooLarge, Unprocessable
from service.models import DocumentStatus, TokenEvent
from service.naming import normalize_filename
from service.parsing import DocType
from service.sandbox import ParserSandbox
from service.wiring import Services
from tests.conftest import ROOT, SAMPLES
from tests.hardening import files

CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("encrypted.pdf", lambda: files.encrypted_pdf("secret"), "password"),
    ("scanned.pdf", lambda: files.blank_pdf(3), "no text"),
    (
        "corrupt.pdf",
        lambda: (SAMPLES / "field-station-handbook.pdf").read_bytes()[:3000],
        "could not be read",
    ),
    ("bomb.pdf", files.flate_bomb_pdf, "no text"),
    ("thousands.pdf", lambda: files.blank_pdf(10_000), "10000 pages"),
    ("bomb.docx", files.docx_bomb, "expands to more than"),
    ("lying.docx", files.docx_with_lying_sizes, "could not be read"),
    ("invoice.pdf", files.html_named_pdf, "named .pdf but its content is HTML"),
]


@pytest.fixture(scope="module")
def hostile(make_services_module: Callable[..., Services]) -> Services:
    svc = make_services_module()
    svc.documents.add("eve", "keeper.txt", b"The lighthouse lamp is lit at dusk by the keeper.")
    for name, build, _ in CASES:
        svc.documents.add("eve", name, build())
    assert svc.worker is not None
    started = time.monotonic()
    svc.worker.drain(timeout_s=300)
    svc.documents.add("eve", "after.txt", b"The tide tables are posted in the harbour office.")
    svc.worker.drain(timeout_s=60)
    assert time.monotonic() - started < 120
    return svc


@pytest.mark.parametrize(("name", "reason"), [(c[0], c[2]) for c in CASES])
def test_hostile_file_ends_failed_with_a_readable_reason(
    hostile: Services, name: str, reason: str
) -> None:
    doc = next(
        d for d in hostile.registry.list("eve", cursor=None, limit=100).items if d.filename == name
    )
    assert doc.status is DocumentStatus.FAILED, doc
    assert reason in (doc.error or ""), doc.error
    assert hostile.store.count(doc_id=doc.doc_id) == 0


def test_nothing_else_is_disturbed(hostile: Services) -> None:
    by_name = {d.filename: d for d in hostile.registry.list("eve", cursor=None, limit=100).items}
    for name in ("keeper.txt", "after.txt"):
        assert by_name[name].status is DocumentStatus.INDEXED
    events = list(hostile.chat.ask("eve", "When is the lighthouse lamp lit?"))
    assert "at dusk" in "".join(e.text for e in events if isinstance(e, TokenEvent))


def test_pdf_encrypted_with_an_empty_password_is_read(services: Services) -> None:
    doc = services.documents.add("eve", "open.pdf", files.encrypted_pdf(""))
    assert services.worker is not None
    services.worker.drain()
    final = services.registry.get(doc.doc_id)
    assert final is not None
    assert (final.status, final.pages) == (DocumentStatus.INDEXED, 7)


def test_the_parser_sandbox_enforces_its_time_cap() -> None:
    sandbox = ParserSandbox(timeout_s=0.5, memory_mb=2048)
    try:
        with pytest.raises(Unprocessable, match="took longer"):
            sandbox.parse(files.blank_pdf(40_000), DocType.PDF, max_pages=50_000)  # ~2.5 s
        pages = sandbox.parse(b"still works", DocType.TEXT, max_pages=1)  # a fresh child
        assert [p.text for p in pages] == ["still works"]
    finally:
        sandbox.close()


def test_the_parser_sandbox_enforces_its_memory_cap() -> None:
    sandbox = ParserSandbox(timeout_s=60, memory_mb=400)
    try:
        with pytest.raises(TooLarge, match="memory"):
            sandbox.parse(b"word " * (8 << 20), DocType.TEXT, max_pages=1)
    finally:
        sandbox.close()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("report\x00.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  ..  ", "untitled"),
        ("e\u0301te\u0301.txt", "\u00e9t\u00e9.txt"),
    ],
)
def test_hostile_file_names_are_neutralised(services: Services, raw: str, expected: str) -> None:
    doc = services.documents.create("eve", raw)
    assert doc.filename == expected
    assert doc.blob_key == f"documents/eve/{doc.doc_id}"


def test_very_long_file_names_are_cut_keeping_the_extension() -> None:
    name = normalize_filename("a" * 1500 + ".pdf")
    assert len(name) == 255
    assert name.endswith(".pdf")


def test_sandbox_works_from_a_script_without_a_main_guard(tmp_path: Path) -> None:
    """multiprocessing's spawn would re-run such a script in the child; our child does not."""
    script = tmp_path / "ingest_script.py"
    script.write_text(
        "from pathlib import Path\n"
        "from service.config import Settings\n"
        "from service.wiring import build_services\n"
        f"svc = build_services(Settings(data_dir=Path({str(tmp_path / 'd')!r})))\n"
        "doc = svc.documents.add('sam', 'n.txt', b'The boat leaves at noon.')\n"
        "svc.worker.drain(timeout_s=120)\n"
        "print(svc.registry.get(doc.doc_id).status.value, len(svc.registry.list(None, "
        "cursor=None, limit=10).items))\n"
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["INDEXED", "1"]  # indexed once, not re-run by a child
