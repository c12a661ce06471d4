"""Conversations in SQLite (local mode): one row per conversation, one per turn, keyed by
owner first so that every statement is scoped to the person asking."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_registry import decode_cursor, encode_cursor
from service.errors import BadRequest, NotFound
from service.models import (
    Conversation,
    ConversationPage,
    ConversationSummary,
    Feedback,
    FeedbackRecord,
    Turn,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    owner TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    turn_count INTEGER NOT NULL,
    PRIMARY KEY (owner, conversation_id)
);
CREATE INDEX IF NOT EXISTS conversations_updated
    ON conversations (owner, updated_at DESC, conversation_id DESC);
CREATE TABLE IF NOT EXISTS turns (
    owner TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    feedback_at TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, conversation_id, n)
);
CREATE INDEX IF NOT EXISTS turns_feedback ON turns (feedback_at) WHERE feedback_at IS NOT NULL;
"""


def stamp(moment: datetime) -> str:
    """Fixed-width UTC time, so that strings sort as times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def feedback_record(owner: str, conversation_id: str, turn: Turn) -> FeedbackRecord:
    """The export line of a rated turn."""
    assert turn.feedback is not None
    return FeedbackRecord(
        owner=owner,
        conversation_id=conversation_id,
        n=turn.n,
        question=turn.question,
        answer=turn.answer,
        sources=turn.sources,
        settings=turn.settings,
        cancelled=turn.cancelled,
        rating=turn.feedback.rating,
        comment=turn.feedback.comment,
        at=turn.feedback.at,
    )


class SqliteConversations:
    """The local conversation store; ``retention`` hides (and ``purge`` deletes) old items."""

    def __init__(self, db: SqliteDb, *, retention: timedelta) -> None:
        self._db = db
        self._retention = retention
        with db.transaction() as conn:
            for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                conn.execute(statement)

    def _cutoff(self, now: datetime | None = None) -> str:
        return stamp((now or datetime.now(UTC)) - self._retention)

    def append(self, owner: str, conversation_id: str, turn: Turn, *, title: str) -> Turn:
        """Add a turn (numbered here), creating the conversation on its first turn."""
        when = stamp(turn.created_at)
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT turn_count FROM conversations WHERE owner = ? AND conversation_id = ?",
                (owner, conversation_id),
            ).fetchone()
            n = row["turn_count"] if row else 0
            if row is None:
                conn.execute(
                    "INSERT INTO conversations VALUES (?, ?, ?, ?, ?, 1)",
                    (owner, conversation_id, title, when, when),
                )
            else:
                conn.execute(
                    "UPDATE conversations SET turn_count = ?, updated_at = MAX(updated_at, ?)"
                    " WHERE owner = ? AND conversation_id = ?",
                    (n + 1, when, owner, conversation_id),
                )
            stored = turn.model_copy(update={"n": n})
            conn.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, NULL, ?)",
                (owner, conversation_id, n, when, stored.model_dump_json()),
            )
        return stored

    def _summary(self, owner: str, conversation_id: str) -> ConversationSummary | None:
        rows = self._db.query(
            "SELECT * FROM conversations WHERE owner = ? AND conversation_id = ?"
            " AND updated_at >= ?",
            (owner, conversation_id, self._cutoff()),
        )
        return _summary(rows[0]) if rows else None

    def get(self, owner: str, conversation_id: str) -> Conversation | None:
        """The conversation and its unexpired turns, oldest first."""
        summary = self._summary(owner, conversation_id)
        if summary is None:
            return None
        rows = self._db.query(
            "SELECT body FROM turns WHERE owner = ? AND conversation_id = ? AND created_at >= ?"
            " ORDER BY n",
            (owner, conversation_id, self._cutoff()),
        )
        turns = [Turn.model_validate_json(r["body"]) for r in rows]
        return Conversation(**summary.model_dump(), turns=turns)

    def list(self, owner: str, *, cursor: str | None, limit: int) -> ConversationPage:
        """Most recently updated first, ``limit`` per page."""
        if not 1 <= limit <= 1000:
            raise BadRequest("limit must be between 1 and 1000")
        where, params = ["owner = ?", "updated_at >= ?"], [owner, self._cutoff()]
        if cursor:
            updated, conversation_id = decode_cursor(cursor)
            where.append("(updated_at < ? OR (updated_at = ? AND conversation_id < ?))")
            params += [updated, updated, conversation_id]
        rows = self._db.query(
            f"SELECT * FROM conversations WHERE {' AND '.join(where)}"
            " ORDER BY updated_at DESC, conversation_id DESC LIMIT ?",
            (*params, limit + 1),
        )
        last = rows[limit - 1] if len(rows) > limit else None
        return ConversationPage(
            items=[_summary(r) for r in rows[:limit]],
            next_cursor=encode_cursor(last["updated_at"], last["conversation_id"])
            if last
            else None,
        )

    def rename(self, owner: str, conversation_id: str, title: str) -> ConversationSummary:
        """Set the title."""
        if self._summary(owner, conversation_id) is None:
            raise NotFound("conversation not found")
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE conversations SET title = ? WHERE owner = ? AND conversation_id = ?",
                (title, owner, conversation_id),
            )
        summary = self._summary(owner, conversation_id)
        if summary is None:  # deleted meanwhile
            raise NotFound("conversation not found")
        return summary

    def delete(self, owner: str, conversation_id: str) -> bool:
        """Remove one conversation and its turns."""
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM turns WHERE owner = ? AND conversation_id = ?",
                (owner, conversation_id),
            )
            gone = conn.execute(
                "DELETE FROM conversations WHERE owner = ? AND conversation_id = ?",
                (owner, conversation_id),
            ).rowcount
        return bool(gone)

    def delete_all(self, owner: str) -> int:
        """Remove every conversation of ``owner``."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM turns WHERE owner = ?", (owner,))
            count: int = conn.execute(
                "DELETE FROM conversations WHERE owner = ?", (owner,)
            ).rowcount
        return count

    def set_feedback(
        self, owner: str, conversation_id: str, n: int, feedback: Feedback | None
    ) -> Turn:
        """Rate (or un-rate) one unexpired turn."""
        key = (owner, conversation_id, n)
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT body FROM turns WHERE owner = ? AND conversation_id = ? AND n = ?"
                " AND created_at >= ?",
                (*key, self._cutoff()),
            ).fetchone()
            if row is None:
                raise NotFound("turn not found")
            turn = Turn.model_validate_json(row["body"]).model_copy(update={"feedback": feedback})
            conn.execute(
                "UPDATE turns SET body = ?, feedback_at = ?"
                " WHERE owner = ? AND conversation_id = ? AND n = ?",
                (turn.model_dump_json(), stamp(feedback.at) if feedback else None, *key),
            )
        return turn

    def feedback_since(self, since: datetime) -> Iterator[FeedbackRecord]:
        """Rated turns of every owner, oldest rating first."""
        rows = self._db.query(
            "SELECT owner, conversation_id, body FROM turns"
            " WHERE feedback_at IS NOT NULL AND feedback_at >= ? AND created_at >= ?"
            " ORDER BY feedback_at, owner, conversation_id, n",
            (stamp(since), self._cutoff()),
        )
        for row in rows:
            turn = Turn.model_validate_json(row["body"])
            yield feedback_record(row["owner"], row["conversation_id"], turn)

    def purge(self, now: datetime) -> int:
        """Delete expired turns and conversations; how many rows went."""
        cutoff = self._cutoff(now)
        with self._db.transaction() as conn:
            turns = conn.execute("DELETE FROM turns WHERE created_at < ?", (cutoff,)).rowcount
            conn.execute(
                "DELETE FROM turns WHERE (owner, conversation_id) IN (SELECT owner,"
                " conversation_id FROM conversations WHERE updated_at < ?)",
                (cutoff,),
            )
            heads = conn.execute(
                "DELETE FROM conversations WHERE updated_at < ?", (cutoff,)
            ).rowcount
        return int(turns) + int(heads)


def _summary(row: sqlite3.Row) -> ConversationSummary:
    return ConversationSummary.model_validate(
        {key: row[key] for key in ConversationSummary.model_fields}
    )
