"""Which vector table is active. A rebuild with another embedding model fills a new table and
switches over only when it is complete, by appending a row here; readers follow the newest row.

The catalog is itself a tiny LanceDB table beside the chunks, so it works on a local path and on
``s3://`` alike (the LanceDB URI is the port)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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


def catalog_entries(db: Any) -> list[ActiveTable]:
    """Every activation, oldest first."""
    rows = _catalog(db).to_arrow().to_pylist()
    return sorted((ActiveTable(**row) for row in rows), key=lambda e: e.activated_at)


def retired_since(db: Any, default: str) -> dict[str, float]:
    """Tables that are no longer active, with the time each was replaced (``default`` is the
    table in use before the first switch). Tables never activated (a rebuild still filling
    one) are not listed."""
    entries = catalog_entries(db)
    if not entries:
        return {}
    out: dict[str, float] = {}
    previous = default
    for entry in entries:
        if entry.table_name != previous:
            out[previous] = entry.activated_at
        previous = entry.table_name
    out.pop(previous, None)  # the active one
    return out


def activate(db: Any, table_name: str, *, model_id: str, dim: int) -> ActiveTable:
    """Make ``table_name`` the active table (one append: readers see old or new, never half)."""
    entry = ActiveTable(table_name, model_id, dim, time.time())
    _catalog(db).add([entry.__dict__])
    return entry


def active_table_name(db: Any, default: str) -> str:
    """The table readers and writers should open."""
    entry = active_table(db)
    return entry.table_name if entry else default


# --- following switches from running processes (issue 14) ----------------------------------


class TableWatch:
    """Tells a long-running process (server, warm Lambda) which table is active, reading the
    catalog at most every ``every_s`` seconds, so a switch made elsewhere (``rag reindex
    --all``) is followed on the next question without a restart."""

    def __init__(
        self,
        db: Any,
        *,
        every_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._every = every_s
        self._clock = clock
        self._checked = clock()
        self._lock = threading.Lock()

    def switched(self, current: str) -> ActiveTable | None:
        """The newly active table if it is not ``current`` (None between checks)."""
        now = self._clock()
        with self._lock:
            if now - self._checked < self._every:
                return None
            self._checked = now
        entry = active_table(self._db)
        if entry is None or entry.table_name == current:
            return None
        return entry
