"""Building LanceDB filter expressions safely: every value is quoted and escaped here, and
nowhere else is user input put into a filter."""

from __future__ import annotations

from collections.abc import Iterable


def quote(value: str) -> str:
    """A SQL string literal: single-quoted, quotes doubled, NUL refused."""
    if not isinstance(value, str):
        raise TypeError("filter values must be strings")
    if "\x00" in value:
        raise ValueError("filter values may not contain NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (JSON can carry them) are not text
        raise ValueError("filter values must be valid Unicode text") from None
    return "'" + value.replace("'", "''") + "'"


def eq(column: str, value: str) -> str:
    """``column = 'value'``."""
    return f"{_column(column)} = {quote(value)}"


def is_in(column: str, values: Iterable[str]) -> str:
    """``column IN ('a', 'b')``; an empty list matches nothing."""
    items = [quote(v) for v in values]
    if not items:
        return "false"
    return f"{_column(column)} IN ({', '.join(items)})"


def all_of(*clauses: str | None) -> str:
    """Clauses joined with AND, each parenthesised."""
    return " AND ".join(f"({c})" for c in clauses if c)


def readable(owner: str, shared_doc_ids: Iterable[str] = ()) -> str:
    """What one person may read (DESIGN.md "Sharing"): their own rows, plus the rows of the
    documents shared with any of their groups (resolved from the registry per question, so
    unsharing and leaving a group take effect at once). Fail-closed: no owner, no filter."""
    if not owner:
        raise ValueError("every read needs an owner")
    own = eq("owner", owner)
    shared = sorted(set(shared_doc_ids))
    if not shared:
        return own
    return f"({own}) OR ({is_in('doc_id', shared)})"


def _column(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"invalid column name {name!r}")
    return name
