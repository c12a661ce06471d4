"""The LanceDB chunk store: fixed schema, model check, owner filter, escaping, replace, delete."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import (
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
)

from service.errors import BadRequest, ModelMismatch
from service.lance_table import chunk_id, connect, open_table
from service.vectors import ChunkStore

DIM = 8


def node(doc_id: str, owner: str, index: int, text: str, seed: int) -> TextNode:
    vec = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    vec /= np.linalg.norm(vec)
    return TextNode(
        id_=chunk_id(doc_id, index),
        text=text,
        embedding=vec.tolist(),
        metadata={
            "doc_id": doc_id,
            "owner": owner,
            "filename": f"{doc_id}.txt",
            "page": index + 1,
            "chunk_index": index,
        },
    )


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    return ChunkStore(open_table(connect(str(tmp_path / "db")), "chunks", model_id="m", dim=DIM))


def test_table_is_created_empty_with_fixed_schema_and_indexes(store: ChunkStore) -> None:
    names = [f.name for f in store._t.schema]
    assert names == ["id", "doc_id", "owner", "text", "vector", "filename", "page", "chunk_index"]
    assert store.count() == 0
    assert store.model_id == "m" and store.dim == DIM
    indexes = {i.name: i.index_type for i in store._t.list_indices()}
    assert indexes == {"text_idx": "FTS", "owner_idx": "Bitmap", "doc_id_idx": "BTree"}


def test_opening_with_another_model_is_refused(tmp_path: Path) -> None:
    db = connect(str(tmp_path / "db"))
    open_table(db, "chunks", model_id="m", dim=DIM)
    with pytest.raises(ModelMismatch, match="re-index"):
        open_table(db, "chunks", model_id="other", dim=DIM)
    with pytest.raises(ModelMismatch):
        open_table(db, "chunks", model_id="m", dim=DIM * 2)


def test_replace_document_is_one_commit_and_never_duplicates(store: ChunkStore) -> None:
    store.add([node("d1", "a", i, f"text {i}", i) for i in range(5)])
    store.add([node("d2", "a", 0, "other doc", 99)])
    version = store._t.version
    store.add([node("d1", "a", i, f"new text {i}", i) for i in range(3)])  # shorter re-ingest
    assert store._t.version == version + 1
    assert store.count(doc_id="d1") == 3
    assert store.count(doc_id="d2") == 1
    store.add([node("d1", "a", i, f"new text {i}", i) for i in range(3)])  # retry: same rows
    assert store.count(doc_id="d1") == 3


def test_every_read_needs_an_owner(store: ChunkStore) -> None:
    store.add([node("d1", "a", 0, "hello world", 1)])
    vec = node("x", "a", 0, "", 1).embedding
    for owner in ("", None):
        with pytest.raises(BadRequest):
            store.search_vector(vec, owner=owner, k=5)  # type: ignore[arg-type]
        with pytest.raises(BadRequest):
            store.search_text("hello", owner=owner, k=5)  # type: ignore[arg-type]
    with pytest.raises(BadRequest):
        store.query(VectorStoreQuery(query_embedding=vec, similarity_top_k=3))
    with pytest.raises(BadRequest):
        store.get_nodes()


def test_llama_index_query_with_owner_filter(store: ChunkStore) -> None:
    store.add([node("d1", "a", 0, "alpha text", 1), node("d2", "b", 0, "alpha text", 2)])
    owner_a = MetadataFilters(filters=[MetadataFilter(key="owner", value="a")])
    result = store.query(
        VectorStoreQuery(
            query_str="alpha",
            similarity_top_k=10,
            filters=owner_a,
            mode=VectorStoreQueryMode.TEXT_SEARCH,
        )
    )
    assert [n.metadata["owner"] for n in result.nodes] == ["a"]


@pytest.mark.parametrize(
    "evil",
    ["a' OR '1'='1", "a' OR owner != '", "' OR TRUE --", "a\\' OR 1=1", 'a" OR "1"="1', "%"],
)
def test_filter_values_cannot_widen_reads_or_deletes(store: ChunkStore, evil: str) -> None:
    store.add([node("d1", "a", 0, "secret of a", 1), node("d2", "b", 0, "secret of b", 2)])
    vec = node("x", "a", 0, "", 3).embedding
    assert store.search_vector(vec, owner=evil, k=10) == []
    assert store.search_text("secret", owner=evil, k=10) == []
    assert store.search_vector(vec, owner="a", k=10, doc_ids=[evil]) == []
    store.delete(evil)
    store.delete_nodes([evil])
    assert store.count() == 2


def test_empty_results_are_empty_lists(store: ChunkStore) -> None:
    vec = node("x", "a", 0, "", 3).embedding
    assert store.search_vector(vec, owner="nobody", k=5) == []
    assert store.search_text("nothing", owner="nobody", k=5) == []
    assert store.search_text("   ", owner="a", k=5) == []


def test_new_rows_are_found_by_keyword_without_rebuilding_the_index(store: ChunkStore) -> None:
    store.add([node("d1", "a", 0, "the zanzibar protocol", 1)])
    hits = store.search_text("zanzibar", owner="a", k=5)
    assert [h.doc_id for h in hits] == ["d1"]
    stats = store._t.index_stats("text_idx")
    assert stats.num_unindexed_rows == 1  # found by the flat scan of new rows, not a rebuild


def test_full_text_query_syntax_is_not_interpreted(store: ChunkStore) -> None:
    store.add([node("d1", "a", 0, "quoted words here", 1)])
    for query in ['"quoted"', '""', "words AND (here", "quoted:here*", "-words +here"]:
        store.search_text(query, owner="a", k=5)  # never raises


def test_delete_document(store: ChunkStore) -> None:
    store.add([node("d1", "a", i, f"text {i}", i) for i in range(3)])
    store.add([node("d2", "a", 0, "keep me", 7)])
    store.delete("d1")
    assert store.count(doc_id="d1") == 0
    assert [n.metadata["doc_id"] for n in store.get_nodes(owner="a")] == ["d2"]


def test_values_that_are_not_text_are_a_bad_request(store: ChunkStore) -> None:
    vec = node("x", "a", 0, "", 3).embedding
    with pytest.raises(BadRequest):
        store.search_vector(vec, owner="a", k=5, doc_ids=["\ud800"])
    with pytest.raises(BadRequest):
        store.search_text("x", owner="a\x00", k=5)
