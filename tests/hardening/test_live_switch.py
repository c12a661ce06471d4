"""After ``rag reindex --all``: parsing went through the sandbox, running processes follow the
switch on their next question (and index into the new table), and maintenance drops the
retired table once the retention window has passed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from service.catalog import TableWatch, activate, retired_since
from service.embeddings import MINILM_DIM, MINILM_MODEL_ID
from service.errors import ModelMismatch
from service.lance_table import open_table
from service.live_table import FollowingChunkStore
from service.maintenance import drop_retired_tables
from service.reindex import rebuild_index
from service.sandbox import shared_sandbox
from service.wiring import Services, open_db
from tests.conftest import SAMPLES, ingest

FAQ = (SAMPLES / "visitor-faq.txt").read_bytes()


def rebuild(svc: Services, **overrides: object) -> str:
    settings = svc.settings.model_copy(update=overrides)
    report = rebuild_index(
        settings,
        registry=svc.registry,
        blobs=svc.blobs,
        embed_model=svc.embed_model,
        model_id=MINILM_MODEL_ID,
        dim=MINILM_DIM,
    )
    return report.new_table


def test_reindex_parses_in_the_sandbox(make_services: Callable[..., Services]) -> None:
    svc = make_services()
    ingest(svc, "kim", "faq.txt", FAQ)
    memory_mb = svc.settings.parse_memory_mb + 512  # limits of their own: a sandbox of its own
    sandbox = shared_sandbox(svc.settings.parse_timeout_s, memory_mb)
    assert sandbox._child is None
    try:
        rebuild(svc, parse_memory_mb=memory_mb)
        assert sandbox._child is not None and sandbox._child.poll() is None  # it parsed there
    finally:
        sandbox.close()


def test_running_process_follows_the_switch_and_writes_into_the_new_table(
    make_services: Callable[..., Services],
) -> None:
    svc = make_services(catalog_check_s=0.2)
    assert isinstance(svc.store, FollowingChunkStore)
    ingest(svc, "kim", "faq.txt", FAQ)
    old = svc.store.table.name
    new = rebuild(svc, chunk_size=96, chunk_overlap=8)
    time.sleep(0.3)
    assert svc.chat.retriever("kim").search("opening hours")  # the next question
    assert svc.store.table.name == new != old
    [doc] = svc.registry.list("kim", cursor=None, limit=5).items
    assert doc.report is not None and doc.report.chunks == doc.chunks  # the new table's counts
    assert doc.chunks == svc.store.count(doc_id=doc.doc_id)
    late = ingest(svc, "kim", "late.txt", b"The late ferry to Skerry leaves at nine.")
    fresh = open_table(open_db(svc.settings), new, model_id=MINILM_MODEL_ID, dim=MINILM_DIM)
    assert fresh.count_rows(f"doc_id = '{late}'") > 0  # indexed into the active table


def test_a_switch_to_another_model_is_refused_not_ignored(
    make_services: Callable[..., Services],
) -> None:
    svc = make_services(catalog_check_s=0.2)
    db = open_db(svc.settings)
    open_table(db, "chunks-other", model_id="other-model", dim=8)
    activate(db, "chunks-other", model_id="other-model", dim=8)
    time.sleep(0.3)
    with pytest.raises(ModelMismatch):
        svc.store.count()


def test_watch_reads_the_catalog_at_most_every_interval(
    make_services: Callable[..., Services],
) -> None:
    svc = make_services()
    db = open_db(svc.settings)
    now = [0.0]
    watch = TableWatch(db, every_s=5, clock=lambda: now[0])
    activate(db, "chunks-b", model_id=MINILM_MODEL_ID, dim=MINILM_DIM)
    assert watch.switched("chunks") is None  # checked at start: too soon
    now[0] = 5.0
    entry = watch.switched("chunks")
    assert entry is not None and entry.table_name == "chunks-b"
    now[0] = 6.0
    assert watch.switched("chunks") is None


def test_retired_tables_are_dropped_after_the_retention_window(
    make_services: Callable[..., Services],
) -> None:
    svc = make_services()
    ingest(svc, "kim", "faq.txt", FAQ)
    first = rebuild(svc, chunk_size=96, chunk_overlap=8)
    second = rebuild(svc, chunk_size=128, chunk_overlap=8)
    db = open_db(svc.settings)
    in_progress = open_table(db, "chunks-being-built", model_id=MINILM_MODEL_ID, dim=MINILM_DIM)
    assert in_progress is not None
    retired = retired_since(db, svc.settings.table_name)
    assert set(retired) == {"chunks", first}
    assert drop_retired_tables(db, default="chunks", retention_s=3600) == []  # too recent
    later = time.time() + 3601
    dropped = drop_retired_tables(db, default="chunks", retention_s=3600, now=later)
    assert sorted(dropped) == sorted(["chunks", first])
    assert set(db.table_names()) >= {second, "chunks-being-built"}
    assert not {"chunks", first} & set(db.table_names())
