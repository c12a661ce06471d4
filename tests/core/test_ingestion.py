"""Ingestion: type detection by content, pages, status transitions, idempotence, failures."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from service.chunking import sentence_splitter
from service.embeddings import count_tokens
from service.ingestion import Outcome
from service.models import DocumentStatus, IngestJob
from service.parsing import DocType, detect_type
from service.vectors import ChunkStore
from service.wiring import Services
from tests.conftest import ALICE, SAMPLES, ingest


def chunk_ids(svc: Services, doc_id: str) -> list[str]:
    return [n.node_id for n in svc.store.get_nodes(owner="alice", doc_ids=[doc_id])]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("field-station-handbook.pdf", DocType.PDF),
        ("remote-work-policy.docx", DocType.DOCX),
        ("kelp-forest-survey.html", DocType.HTML),
        ("data-pipeline.md", DocType.MARKDOWN),
        ("visitor-faq.txt", DocType.TEXT),
    ],
)
def test_type_is_detected_from_content_not_name(name: str, kind: DocType) -> None:
    data = (SAMPLES / name).read_bytes()
    assert detect_type(data, name) is kind
    if kind is not DocType.MARKDOWN:  # markdown vs text is the one thing the name decides
        assert detect_type(data, "renamed.bin") is kind


def test_sample_corpus_is_indexed_with_pages(corpus: Services) -> None:
    docs = {d.filename: d for d in corpus.documents.list(ALICE).items}
    assert all(d.status is DocumentStatus.INDEXED for d in docs.values())
    assert docs["field-station-handbook.pdf"].pages == 7
    assert docs["visitor-faq.txt"].pages is None
    pdf_nodes = corpus.store.get_nodes(
        owner="alice", doc_ids=[docs["field-station-handbook.pdf"].doc_id]
    )
    assert {n.metadata["page"] for n in pdf_nodes} == set(range(1, 8))
    assert all(n.metadata["filename"] == "field-station-handbook.pdf" for n in pdf_nodes)


def test_html_script_and_style_are_not_indexed(corpus: Services) -> None:
    html = next(d for d in corpus.documents.list(ALICE).items if d.filename.endswith(".html"))
    text = " ".join(
        n.get_content() for n in corpus.store.get_nodes(owner="alice", doc_ids=[html.doc_id])
    )
    assert "4,180 purple sea urchins" in text
    assert "imaginary urchins" not in text and "must never be indexed" not in text


def test_chunk_ids_are_deterministic_and_redelivery_changes_nothing(services: Services) -> None:
    data = (SAMPLES / "field-station-handbook.pdf").read_bytes()
    doc_id = ingest(services, "alice", "handbook.pdf", data)
    ids = chunk_ids(services, doc_id)
    assert ids == [f"{doc_id}:{i:06d}" for i in range(len(ids))]
    version = services.store._t.version
    outcome = services.ingestor.process(IngestJob(doc_id=doc_id, version=1))
    assert outcome is Outcome.SKIPPED  # already INDEXED at this version
    assert services.store._t.version == version
    assert chunk_ids(services, doc_id) == ids


def test_reindex_keeps_chunks_and_bumps_version_and_stale_job_is_ignored(
    services: Services,
) -> None:
    doc_id = ingest(services, "alice", "faq.txt", (SAMPLES / "visitor-faq.txt").read_bytes())
    before = services.registry.get(doc_id)
    assert before is not None and before.chunks > 0
    queued = services.documents.reindex(ALICE, doc_id)
    assert (queued.status, queued.version) == (DocumentStatus.QUEUED, 2)
    assert services.ingestor.process(IngestJob(doc_id=doc_id, version=1)) is Outcome.SKIPPED
    assert services.registry.get(doc_id).status is DocumentStatus.QUEUED  # type: ignore[union-attr]
    assert services.worker is not None
    services.worker.drain()
    after = services.registry.get(doc_id)
    assert after is not None
    assert (after.status, after.version, after.chunks) == (DocumentStatus.INDEXED, 2, before.chunks)
    assert services.store.count(doc_id=doc_id) == before.chunks


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\t ", "empty"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary"),
        ("archive.docx", _zip({"hello.txt": b"hi"}), "not a Word"),
        ("broken.pdf", b"%PDF-1.7\nthis is not really a pdf", "PDF"),
    ],
)
def test_bad_documents_end_failed_with_a_readable_reason(
    services: Services, name: str, data: bytes, reason: str
) -> None:
    doc_id = ingest(services, "alice", name, data)
    doc = services.registry.get(doc_id)
    assert doc is not None
    assert doc.status is DocumentStatus.FAILED
    assert doc.error is not None and reason.lower() in doc.error.lower()
    assert services.store.count(doc_id=doc_id) == 0


def test_file_over_the_size_limit_is_refused(make_services: Callable[..., Services]) -> None:
    svc = make_services(max_upload_bytes=1000)
    with pytest.raises(Exception, match="larger than the limit"):
        svc.documents.add("alice", "big.txt", b"word " * 1000)
    doc = svc.documents.create("alice", "big.txt")
    with pytest.raises(Exception, match="larger than the limit"):
        svc.documents.receive_bytes(doc, [b"word " * 100, b"word " * 200])
    assert not svc.blobs.exists(doc.blob_key)
    refused = svc.registry.get(doc.doc_id)
    assert refused is not None
    assert refused.status is DocumentStatus.FAILED
    assert "upload refused: file is larger than the limit" in (refused.error or "")


def test_a_failing_document_does_not_block_others(services: Services) -> None:
    bad = services.documents.add("alice", "bad.pdf", b"%PDF-1.4 garbage")
    good = services.documents.add("alice", "good.md", b"# Title\n\nThe kiwi orchard has 40 trees.")
    assert services.worker is not None
    services.worker.drain()
    assert services.registry.get(bad.doc_id).status is DocumentStatus.FAILED  # type: ignore[union-attr]
    assert services.registry.get(good.doc_id).status is DocumentStatus.INDEXED  # type: ignore[union-attr]


def test_unexpected_errors_are_retried_then_fail(
    make_services: Callable[..., Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = make_services(queue_max_receives=2)
    calls = []

    def explode(*args: object, **kwargs: object) -> None:
        calls.append(1)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ChunkStore, "replace_document", explode)  # no seam for a storage fault
    monkeypatch.setattr("service.worker._backoff", lambda attempt: 0.0)
    doc = svc.documents.add("alice", "note.txt", b"some text worth indexing")
    assert svc.worker is not None
    svc.worker.drain(timeout_s=30)
    final = svc.registry.get(doc.doc_id)
    assert final is not None and final.status is DocumentStatus.FAILED
    assert "RuntimeError" in (final.error or "")
    assert len(calls) == 2


@pytest.mark.parametrize("size", [96, 160, 256])
def test_chunks_never_exceed_the_chunk_size_in_word_pieces(size: int) -> None:
    # the splitter counts with a tokenizer that must not truncate: one that stopped at the
    # model's 256 pieces made every page a single chunk at chunk_size 256
    text = " ".join(
        f"Sentence {i} talks about the parser, the lexer and the grammar." for i in range(300)
    )
    chunks = sentence_splitter(size, 16).split_text(text)
    assert len(chunks) > 1
    assert max(len(count_tokens(c)) for c in chunks) <= size
