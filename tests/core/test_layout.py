"""Table layout and freshness for questions over object storage: maintenance clusters rows by
owner without changing what anyone retrieves (and without undoing concurrent writes), and a
question handle with a read-consistency interval sees another writer's document within it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from service.lance_table import connect, open_table
from service.maintenance import cluster_by_owner, owner_runs, rewrite_in_order, run_maintenance
from service.vectors import ChunkStore
from tests.core.test_vectors import DIM, node

OWNERS = ["ann", "bob", "cy"]
WORDS = ["apple", "birch", "cedar", "delta", "ember", "fjord"]


def _open(path: Path, read_consistency_s: float = 0.0) -> ChunkStore:
    db = connect(str(path), read_consistency_s=read_consistency_s)
    return ChunkStore(open_table(db, "chunks", model_id="m", dim=DIM))


def _ingest_interleaved(store: ChunkStore, docs: int = 12) -> None:
    """One commit per document, owners taking turns: each owner's rows end up scattered."""
    for d in range(docs):
        owner = OWNERS[d % len(OWNERS)]
        nodes = [
            node(f"d{d}", owner, i, f"{WORDS[(d + i) % len(WORDS)]} chunk {i} of d{d}", d * 10 + i)
            for i in range(3)
        ]
        store.add(nodes)


def _answers(store: ChunkStore) -> dict[str, tuple[list[str], list[str]]]:
    probe = node("probe", "x", 0, "", 999).get_embedding()
    return {
        owner: (
            [h.id for h in store.search_vector(probe, owner=owner, k=5)],
            sorted(h.id for h in store.search_text("cedar apple", owner=owner, k=20)),
        )
        for owner in OWNERS
    }


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    store = _open(tmp_path / "db")
    _ingest_interleaved(store)
    run_maintenance(store, retention_s=3600)  # today's layout: compacted, not clustered
    return store


def test_clustering_puts_each_owners_rows_together_and_changes_no_answer(
    store: ChunkStore,
) -> None:
    runs, owners = owner_runs(store.table)
    assert owners == 3 and runs == 12  # one run per document: scattered
    before = _answers(store)
    report = run_maintenance(store, retention_s=3600, cluster_max_runs_per_owner=2.0)
    assert report.clustered
    assert owner_runs(store.table) == (3, 3)
    assert store.count() == 36
    assert _answers(store) == before
    for owner in OWNERS:  # the owner filter still holds: only the owner's rows come back
        hits = store.search_text("chunk", owner=owner, k=50)
        assert len(hits) == 12 and {h.owner for h in hits} == {owner}


def test_clustering_runs_only_when_rows_are_scattered(store: ChunkStore) -> None:
    assert not cluster_by_owner(store.table, max_runs_per_owner=0)  # 0: never
    assert not cluster_by_owner(store.table, max_runs_per_owner=4.0)  # 12 runs <= 3 x 4
    assert cluster_by_owner(store.table, max_runs_per_owner=2.0)
    assert not cluster_by_owner(store.table, max_runs_per_owner=1.0)  # already clustered


def test_clustering_in_batches_keeps_each_owner_contiguous_and_every_row(
    store: ChunkStore,
) -> None:
    before = _answers(store)
    # 5-row batches: 8 commits, batch edges inside owners (12 rows each) and between them
    assert cluster_by_owner(store.table, max_runs_per_owner=2.0, batch_rows=5)
    assert owner_runs(store.table) == (3, 3)
    assert store.count() == 36
    assert _answers(store) == before


def test_rewrite_never_undoes_a_delete_or_a_reindex_made_meanwhile(store: ChunkStore) -> None:
    snapshot = store.table.to_arrow().sort_by("owner")  # what clustering read
    store.delete("d0")  # a delete and a re-index commit before the rewrite does
    store.add([node("d1", "bob", 0, "rewritten zebra text", 4242)])
    rewrite_in_order(store.table, snapshot)
    assert store.count(doc_id="d0") == 0
    d1 = store.get_nodes(owner="bob", doc_ids=["d1"])
    assert [n.get_content() for n in d1] == ["rewritten zebra text"]
    assert store.count() == 36 - 3 - 2


def test_question_handle_sees_another_writers_document_within_its_interval(
    tmp_path: Path,
) -> None:
    interval = 1.0
    writer = _open(tmp_path / "db")
    _ingest_interleaved(writer, docs=3)
    reader = _open(tmp_path / "db", read_consistency_s=interval)
    assert reader.search_text("quokka", owner="ann", k=5) == []  # the handle has checked now
    writer.add([node("fresh", "ann", 0, "the quokka document", 77)])
    time.sleep(interval + 0.2)
    hits = reader.search_text("quokka", owner="ann", k=5)
    assert [h.doc_id for h in hits] == ["fresh"]
    assert reader.search_text("quokka", owner="bob", k=5) == []
