"""Daily usage counters in the local SQLite database (one row per day and person)."""

from __future__ import annotations

from datetime import date

from service.adapters.sqlite_db import SqliteDb
from service.models import UsageFigures

_COUNTERS = tuple(UsageFigures.model_fields)  # questions, documents, ..., cost_usd
_COLUMNS = ", ".join(
    f"{c} {'REAL' if c == 'cost_usd' else 'INTEGER'} NOT NULL DEFAULT 0" for c in _COUNTERS
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS usage_daily (
    day TEXT NOT NULL,
    person TEXT NOT NULL,
    {_COLUMNS},
    PRIMARY KEY (day, person)
)
"""
_ADD = (
    f"INSERT INTO usage_daily (day, person, {', '.join(_COUNTERS)}) "
    f"VALUES (?, ?, {', '.join('?' for _ in _COUNTERS)}) "
    f"ON CONFLICT (day, person) DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in _COUNTERS)
)


class SqliteUsageStore:
    """A ``UsageStore`` in ``db`` (the registry's database)."""

    def __init__(self, db: SqliteDb) -> None:
        self._db = db
        with db.transaction() as conn:
            conn.execute(_SCHEMA)

    def add(self, day: date, person: str, figures: UsageFigures) -> None:
        """Add to the day's counters (an upsert: atomic across processes)."""
        values = [getattr(figures, c) for c in _COUNTERS]
        with self._db.transaction() as conn:
            conn.execute(_ADD, (day.isoformat(), person, *values))

    def read(self, first: date, last: date) -> list[tuple[date, str, UsageFigures]]:
        """Rows from ``first`` to ``last`` inclusive."""
        rows = self._db.query(
            f"SELECT day, person, {', '.join(_COUNTERS)} FROM usage_daily "
            "WHERE day BETWEEN ? AND ? ORDER BY day, person",
            (first.isoformat(), last.isoformat()),
        )
        return [
            (
                date.fromisoformat(row["day"]),
                row["person"],
                UsageFigures(**{c: row[c] for c in _COUNTERS}),
            )
            for row in rows
        ]
