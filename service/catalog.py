"""Which vector table is active. A rebuild with another embedding model fills a new table and
switches over only when it is complete, by appending a row here; readers follow the newest row.

The catalog is itself a tiny LanceDB table beside the chunks, so it works on a local path and on
``s3://`` alike (the LanceDB URI is the port)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

CATALOG = "rag_catalog"
_SCHEMA = pa.schema(
    [
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("dim", pa.int32(), nullable=False),
        pa.field("activated_at", pa.float64(), nullable=False),
    ]
)


@dataclass(frozen=True)
class ActiveTable:
    """One catalog entry."""

    table_name: str
    model_id: str
    dim: int
    activated_at: float


def _catalog(db: Any) -> Any:
    try:
        return db.open_table(CATALOG)
    except (ValueError, FileNotFoundError):
        return db.create_table(CATALOG, schema=_SCHEMA, exist_ok=True)


def active_table(db: Any) -> ActiveTable | None:
    """The newest activated table, or None before the first switch."""
    rows = _catalog(db).to_arrow().to_pylist()
    if not rows:
        return None
    newest = max(rows, key=lambda r: r["activated_at"])
    return ActiveTable(**newest)


def activate(db: Any, table_name: str, *, model_id: str, dim: int) -> ActiveTable:
    """Make ``table_name`` the active table (one append: readers see old or new, never half)."""
    entry = ActiveTable(table_name, model_id, dim, time.time())
    _catalog(db).add([entry.__dict__])
    return entry


def active_table_name(db: Any, default: str) -> str:
    """The table readers and writers should open."""
    entry = active_table(db)
    return entry.table_name if entry else default
