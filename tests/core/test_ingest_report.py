"""Every document tells its owner what ingestion found: pages, pages without text, chunks,
parse and embedding time, warnings; a PDF without any text layer ends FAILED saying why."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfWriter
from typer.testing import CliRunner

from handlers.cli.main import app
from handlers.local.uploads import UploadSigner
from service.errors import Conflict
from service.models import DocumentStatus
from service.wiring import Services
from tests.conftest import SAMPLES, ingest
from tests.hardening.files import blank_pdf

HANDBOOK = SAMPLES / "field-station-handbook.pdf"  # 7 pages, all with text


def handbook_with_blank_pages(blank: int) -> bytes:
    writer = PdfWriter(clone_from=str(HANDBOOK))
    for _ in range(blank):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_report_names_pages_without_text(services: Services) -> None:
    doc_id = ingest(services, "kim", "handbook.pdf", handbook_with_blank_pages(2))
    doc = services.registry.get(doc_id)
    assert doc is not None and doc.status is DocumentStatus.INDEXED
    report = doc.report
    assert report is not None
    assert (report.pages, report.pages_without_text, doc.pages) == (9, [8, 9], 9)
    assert report.chunks == doc.chunks == services.store.count(doc_id=doc_id) > 0
    assert report.parse_s > 0 and report.embed_s > 0
    assert report.warnings == [
        "page 8 has no text layer: scanned?",
        "page 9 has no text layer: scanned?",
    ]


def test_text_file_report_has_no_pages(services: Services) -> None:
    doc_id = ingest(services, "kim", "faq.txt", (SAMPLES / "visitor-faq.txt").read_bytes())
    doc = services.registry.get(doc_id)
    assert doc is not None and doc.report is not None
    assert (doc.report.pages, doc.report.pages_without_text, doc.report.warnings) == (None, [], [])


def test_pdf_without_any_text_fails_saying_it_looks_scanned(services: Services) -> None:
    doc_id = ingest(services, "kim", "scan.pdf", blank_pdf(3))
    doc = services.registry.get(doc_id)
    assert doc is not None and doc.status is DocumentStatus.FAILED
    assert doc.error is not None
    assert "scanned" in doc.error and "OCR" in doc.error and "not available" in doc.error
    assert doc.report is None and services.store.count(doc_id=doc_id) == 0


def test_registry_size_and_hash_are_of_the_indexed_bytes(services: Services) -> None:
    data = (SAMPLES / "visitor-faq.txt").read_bytes()
    doc_id = ingest(services, "kim", "faq.txt", data)
    doc = services.registry.get(doc_id)
    assert doc is not None
    assert (doc.size, doc.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_docs_show_prints_the_report(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    pdf = tmp_path / "handbook.pdf"
    pdf.write_bytes(handbook_with_blank_pages(1))
    added = runner.invoke(app, ["--data-dir", str(data), "ingest", str(pdf), "--json"])
    assert added.exit_code == 0, added.output
    doc_id = added.stdout.split('"doc_id": "')[1].split('"')[0]
    shown = runner.invoke(app, ["--data-dir", str(data), "docs", "show", doc_id])
    assert shown.exit_code == 0, shown.output
    assert "pages: 8, without text: 1" in shown.stdout
    assert "warning: page 8 has no text layer: scanned?" in shown.stdout
    assert "parse:" in shown.stdout and "embedding:" in shown.stdout


def test_local_upload_url_replayed_after_indexing_is_refused(services: Services) -> None:
    """Locally the upload URL is single-use, but a restarted server forgets which nonces were
    used: the registry's status is what refuses a replay, before any byte is written."""
    doc = services.documents.create("kim", "tide.txt")
    target = UploadSigner(b"s" * 32, ttl_s=900).target(doc, "http://127.0.0.1:1")
    query = {k: v[0] for k, v in parse_qs(urlsplit(target.url).query).items()}
    services.documents.receive_bytes(doc, [b"The tide turns at noon."])
    assert services.worker is not None
    services.worker.drain()
    indexed = services.registry.get(doc.doc_id)
    assert indexed is not None and indexed.status is DocumentStatus.INDEXED
    restarted = UploadSigner(b"s" * 32, ttl_s=900)
    restarted.claim(doc.doc_id, query["expires"], query["nonce"], query["signature"])  # accepted
    with pytest.raises(Conflict):
        services.documents.receive_bytes(indexed, [b"Something else entirely."])
    assert services.blobs.read(indexed.blob_key, max_bytes=1000) == b"The tide turns at noon."
    assert services.registry.get(doc.doc_id) == indexed
