"""Document registry in SQLite, with conditional transitions on (status, version)."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime

from service.adapters.sqlite_db import SqliteDb
from service.errors import BadRequest, Conflict, NotFound
from service.models import Document, DocumentPage, DocumentStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_owner ON documents (owner, created_at DESC, doc_id DESC);
CREATE INDEX IF NOT EXISTS documents_created ON documents (created_at DESC, doc_id DESC);
CREATE TABLE IF NOT EXISTS document_shares (
    group_name TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (group_name, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS document_shares_doc ON document_shares (doc_id);
"""
# document_shares (issue 15) is the lookup "documents shared with these groups"; the record's
# body keeps ``shared_with`` too. Databases made before it get the table on open (IF NOT
# EXISTS) and their records read as shared with nobody: that is the whole migration.

_MUTABLE = {"status", "error", "chunks", "pages", "size", "sha256", "content_type", "filename"}
_MUTABLE |= {"blob_key", "report"}  # accepted uploads move to a stored key; ingestion reports


def encode_cursor(created_at: str, doc_id: str) -> str:
    """An opaque cursor after (created_at, doc_id)."""
    raw = json.dumps([created_at, doc_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """Inverse of ``encode_cursor``; ``BadRequest`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, doc_id = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise BadRequest("invalid cursor") from exc
    if not isinstance(created_at, str) or not isinstance(doc_id, str):
        raise BadRequest("invalid cursor")
    return created_at, doc_id


class SqliteRegistry:
    """The local registry. The full record is stored as JSON beside the indexed columns."""

    def __init__(self, db: SqliteDb) -> None:
        self._db = db
        with db.transaction() as conn:
            for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                conn.execute(statement)

    @staticmethod
    def _row(doc: Document) -> tuple[str, str, str, str, int, str]:
        return (
            doc.doc_id,
            doc.owner,
            doc.created_at.isoformat(),
            doc.status.value,
            doc.version,
            doc.model_dump_json(),
        )

    def create(self, doc: Document) -> None:
        """Insert a new record."""
        try:
            with self._db.transaction() as conn:
                conn.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)", self._row(doc))
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"document {doc.doc_id} exists") from exc

    def get(self, doc_id: str) -> Document | None:
        """The record, or None."""
        rows = self._db.query("SELECT body FROM documents WHERE doc_id = ?", (doc_id,))
        return Document.model_validate_json(rows[0]["body"]) if rows else None

    def list(self, owner: str | None, *, cursor: str | None, limit: int) -> DocumentPage:
        """Newest first, ``limit`` per page."""
        if not 1 <= limit <= 1000:
            raise BadRequest("limit must be between 1 and 1000")
        where, params = [], []
        if owner is not None:
            where.append("owner = ?")
            params.append(owner)
        if cursor:
            created_at, doc_id = decode_cursor(cursor)
            where.append("(created_at < ? OR (created_at = ? AND doc_id < ?))")
            params += [created_at, created_at, doc_id]
        sql = "SELECT body, created_at, doc_id FROM documents"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, doc_id DESC LIMIT ?"
        rows = self._db.query(sql, (*params, limit + 1))
        items = [Document.model_validate_json(r["body"]) for r in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        next_cursor = encode_cursor(last["created_at"], last["doc_id"]) if last else None
        return DocumentPage(items=items, next_cursor=next_cursor)

    def transition(
        self,
        doc_id: str,
        *,
        expect_status: Iterable[DocumentStatus],
        expect_version: int,
        status: DocumentStatus,
        bump_version: bool = False,
        **changes: object,
    ) -> Document:
        """Conditional update; ``Conflict`` if status or version moved on."""
        unknown = set(changes) - _MUTABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        allowed = {s.value for s in expect_status}
        with self._db.transaction() as conn:
            row = conn.execute("SELECT body FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                raise NotFound(f"document {doc_id} not found")
            current = Document.model_validate_json(row["body"])
            if current.status.value not in allowed or current.version != expect_version:
                raise Conflict(
                    f"document {doc_id} is {current.status.value} at version {current.version}"
                )
            updated = current.model_copy(
                update={
                    **changes,
                    "status": status,
                    "version": current.version + (1 if bump_version else 0),
                    "updated_at": datetime.now(UTC),
                }
            )
            updated = Document.model_validate(updated.model_dump())
            conn.execute(
                "UPDATE documents SET status = ?, version = ?, body = ? WHERE doc_id = ?",
                (updated.status.value, updated.version, updated.model_dump_json(), doc_id),
            )
        return updated

    def delete(self, doc_id: str) -> None:
        """Remove the record and its shares."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM document_shares WHERE doc_id = ?", (doc_id,))
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def share(self, doc_id: str, groups: Collection[str]) -> Document:
        """Replace the groups the document is shared with, in one transaction."""
        wanted = sorted(set(groups))
        with self._db.transaction() as conn:
            row = conn.execute("SELECT body FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                raise NotFound(f"document {doc_id} not found")
            current = Document.model_validate_json(row["body"])
            if current.status is DocumentStatus.DELETING:
                raise Conflict(f"document {doc_id} is being deleted")
            updated = current.model_copy(update={"shared_with": wanted})
            conn.execute(
                "UPDATE documents SET body = ? WHERE doc_id = ?",
                (updated.model_dump_json(), doc_id),
            )
            conn.execute("DELETE FROM document_shares WHERE doc_id = ?", (doc_id,))
            conn.executemany(
                "INSERT INTO document_shares VALUES (?, ?)", [(g, doc_id) for g in wanted]
            )
        return updated

    def shared_with_any(self, groups: Collection[str]) -> Sequence[str]:
        """Ids shared with any of ``groups`` (one lookup on the shares' primary key)."""
        names = sorted(set(groups))
        if not names:
            return []
        marks = ", ".join("?" * len(names))  # placeholders only: names are bound parameters
        rows = self._db.query(
            f"SELECT DISTINCT doc_id FROM document_shares WHERE group_name IN ({marks})"
            " ORDER BY doc_id",
            tuple(names),
        )
        return [r["doc_id"] for r in rows]
