"""Pinned behaviour of dependencies (DESIGN.md, "Known facts"). Each test states a defect or
surprising default the code works around, so an upgrade that changes it fails loudly and the
workaround can be revisited."""

from __future__ import annotations

import inspect
from datetime import timedelta
from importlib.metadata import requires
from pathlib import Path

import lancedb
import pytest
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery
from llama_index.vector_stores.lancedb import LanceDBVectorStore
from llama_index.vector_stores.lancedb.base import _to_lance_filter

from service.lance_table import MODEL_KEY, chunk_schema


def upstream_store(path: Path) -> LanceDBVectorStore:
    store = LanceDBVectorStore(uri=str(path), table_name="t")
    store.add(
        [TextNode(id_="n1", text="hello fox", embedding=[0.1, 0.2, 0.3], metadata={"owner": "a"})]
    )
    return store


def test_upstream_delete_uses_double_quotes_and_fails(tmp_path: Path) -> None:
    store = upstream_store(tmp_path)
    with pytest.raises(Exception, match="No field named"):
        store.delete("some-doc")
    with pytest.raises(Exception, match="No field named"):
        store.delete_nodes(["n1"])


def test_upstream_empty_result_raises_warning(tmp_path: Path) -> None:
    store = upstream_store(tmp_path)
    query = VectorStoreQuery(query_embedding=[0.1, 0.2, 0.3], similarity_top_k=3)
    with pytest.raises(Warning, match="empty"):
        store.query(query, where="id = 'nothing'")


def test_upstream_defaults_to_overwrite_mode_and_takes_no_storage_options() -> None:
    params = inspect.signature(LanceDBVectorStore.__init__).parameters
    assert params["mode"].default == "overwrite"
    assert "storage_options" not in params


def test_upstream_rebuilds_the_full_text_index_on_the_query_path(tmp_path: Path) -> None:
    store = upstream_store(tmp_path)
    before = store.table.version  # type: ignore[union-attr]
    store.query(
        VectorStoreQuery(query_str="fox", query_embedding=[0.1, 0.2, 0.3], similarity_top_k=1),
        query_type="fts",
    )
    assert store.table.version > before  # type: ignore[union-attr]  # an index was written


def test_upstream_filter_prefix_depends_on_keys_seen() -> None:
    from llama_index.core.vector_stores.types import MetadataFilter, MetadataFilters

    filters = MetadataFilters(filters=[MetadataFilter(key="owner", value="x")])
    assert _to_lance_filter(filters, None) == "metadata.owner = 'x'"
    assert _to_lance_filter(filters, ["other"]) == "owner = 'x'"


def test_upstream_imports_pandas_without_declaring_it() -> None:
    declared = requires("llama-index-vector-stores-lancedb") or []
    assert not any(r.lower().startswith("pandas") for r in declared)
    source = Path(inspect.getfile(LanceDBVectorStore)).read_text()
    assert "from pandas import" in source


def test_default_read_consistency_never_sees_other_writers(tmp_path: Path) -> None:
    schema = chunk_schema("m", 3)
    a = lancedb.connect(str(tmp_path)).create_table("t", schema=schema)
    b = lancedb.connect(str(tmp_path)).open_table("t")
    fresh = lancedb.connect(str(tmp_path), read_consistency_interval=timedelta(0)).open_table("t")
    row = {
        "id": "1",
        "doc_id": "d",
        "owner": "o",
        "text": "x",
        "vector": [0.0, 0.0, 1.0],
        "filename": "f",
        "page": None,
        "chunk_index": 0,
    }
    a.add([row])
    assert b.count_rows() == 0  # the default handle is stale ...
    assert fresh.count_rows() == 1  # ... which is why service.lance_table.connect sets 0


def test_schema_metadata_survives_writes_and_optimize(tmp_path: Path) -> None:
    table = lancedb.connect(str(tmp_path)).create_table("t", schema=chunk_schema("model-x", 3))
    table.add(
        [
            {
                "id": "1",
                "doc_id": "d",
                "owner": "o",
                "text": "x",
                "vector": [1.0, 0, 0],
                "filename": "f",
                "page": 1,
                "chunk_index": 0,
            }
        ]
    )
    table.optimize()
    reopened = lancedb.connect(str(tmp_path)).open_table("t")
    assert reopened.schema.metadata[MODEL_KEY] == b"model-x"


def test_quoted_fts_strings_are_parsed_as_phrase_queries(tmp_path: Path) -> None:
    """Why user text goes through ``MatchQuery``: a plain string in quotes is query syntax."""
    from lancedb.index import FTS

    table = lancedb.connect(str(tmp_path)).create_table("t", data=[{"text": "the quick fox"}])
    table.create_index("text", config=FTS())
    with pytest.raises(ValueError, match="position"):
        table.search('"quick fox"', query_type="fts").to_list()


def test_bedrock_converse_default_output_budget_is_small() -> None:
    converse = pytest.importorskip("llama_index.llms.bedrock_converse")
    params = inspect.signature(converse.BedrockConverse.__init__).parameters
    assert params["max_tokens"].default == 512  # so the service always passes its own budget
