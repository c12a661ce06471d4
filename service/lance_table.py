"""The LanceDB table behind the vector index: its fixed schema (recording the embedding model),
connections and their caches, opening or creating the table, and its indexes. ``service.vectors``
reads and writes rows through it."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

import lancedb
import pyarrow as pa
from lancedb.index import FTS, Bitmap, BTree

from service.errors import ModelMismatch

MODEL_KEY = b"rag.embed_model"
DIM_KEY = b"rag.dim"
SCHEMA_VERSION_KEY = b"rag.schema"
SCHEMA_VERSION = b"1"
VECTOR_INDEX = "vector_idx"


def chunk_schema(model_id: str, dim: int) -> pa.Schema:
    """The fixed table schema, recording the embedding model and dimension."""
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("owner", pa.string(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("vector", pa.list_(pa.float32(), dim), nullable=False),
            pa.field("filename", pa.string(), nullable=False),
            pa.field("page", pa.int32(), nullable=True),
            pa.field("chunk_index", pa.int32(), nullable=False),
        ],
        metadata={
            MODEL_KEY: model_id.encode(),
            DIM_KEY: str(dim).encode(),
            SCHEMA_VERSION_KEY: SCHEMA_VERSION,
        },
    )


def chunk_id(doc_id: str, index: int) -> str:
    """Deterministic chunk id from the document and the chunk's position."""
    return f"{doc_id}:{index:06d}"


def connect(
    uri: str,
    *,
    storage_options: dict[str, str] | None = None,
    read_consistency_s: float | None = 0.0,
    session: Any = None,
) -> Any:
    """A LanceDB connection; ``read_consistency_s=0`` sees other writers' commits at once
    (on S3 that is one LIST of the table's versions per read); ``session`` sets cache sizes."""
    interval = None if read_consistency_s is None else timedelta(seconds=read_consistency_s)
    return lancedb.connect(
        uri,
        storage_options=storage_options,
        read_consistency_interval=interval,
        session=session,
    )


@lru_cache(maxsize=4)
def cache_session(index_cache_mb: int, metadata_cache_mb: int) -> Any:
    """One LanceDB session (index and metadata caches) per size, shared by the process's
    connections, so a warm invocation finds the index parts the last question loaded."""
    return lancedb.Session(
        index_cache_size_bytes=index_cache_mb << 20,
        metadata_cache_size_bytes=metadata_cache_mb << 20,
    )


def open_table(db: Any, name: str, *, model_id: str, dim: int) -> Any:
    """Open ``name``, creating it (schema and indexes) if absent; refuse another model's table."""
    try:
        table = db.open_table(name)
    except (ValueError, FileNotFoundError):
        table = db.create_table(name, schema=chunk_schema(model_id, dim), exist_ok=True)
    meta = table.schema.metadata or {}
    found_model = meta.get(MODEL_KEY, b"?").decode()
    found_dim = meta.get(DIM_KEY, b"?").decode()
    if found_model != model_id or found_dim != str(dim):
        raise ModelMismatch(
            f"vector table {name!r} was built with {found_model} ({found_dim} dims) but the "
            f"configured embedding model is {model_id} ({dim} dims); re-index into a new table "
            "(rag reindex --all) or configure the original model"
        )
    ensure_indexes(table)
    return table


def ensure_vector_index(table: Any, *, min_rows: int) -> bool:
    """Build the approximate vector index (IVF_HNSW_SQ, cosine) once the table has
    ``min_rows`` rows; below that exact search is as fast. Returns whether it was built now."""
    from lancedb.index import IvfHnswSq

    if VECTOR_INDEX in {index.name for index in table.list_indices()}:
        return False
    rows = int(table.count_rows())
    if rows < min_rows:
        return False
    partitions = max(1, int(rows**0.5 / 10))
    table.create_index(
        "vector",
        config=IvfHnswSq(distance_type="cosine", num_partitions=partitions),
        name=VECTOR_INDEX,
        replace=False,
    )
    return True


def ensure_indexes(table: Any, attempts: int = 6) -> None:
    """Create the scalar and full-text indexes that are missing. Cold processes that open a new
    table at once race here: a commit conflict or "already exists" means another one won, so
    look again and create only what is still missing."""
    wanted = {
        "text_idx": ("text", FTS()),
        "owner_idx": ("owner", Bitmap()),
        "doc_id_idx": ("doc_id", BTree()),
    }
    for attempt in range(attempts):
        names = {index.name for index in table.list_indices()}
        try:
            for name, (column, config) in wanted.items():
                if name not in names:
                    table.create_index(column, config=config, name=name, replace=False)
            return
        except (RuntimeError, ValueError) as exc:
            racing = "already exists" in str(exc) or "onflict" in str(exc)
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)
            table.checkout_latest()
