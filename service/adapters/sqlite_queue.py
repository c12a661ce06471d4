"""Durable local job queue in SQLite with SQS semantics: visibility timeout, receive counts,
a maximum number of receives and dead letters. Jobs survive process restarts and crashes."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable

from service.adapters.sqlite_db import SqliteDb
from service.models import IngestJob
from service.ports import ReceivedJob

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        visible_at REAL NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT,
        enqueued_at REAL NOT NULL,
        UNIQUE (doc_id, version)
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_visible ON jobs (visible_at, id)",
    """CREATE TABLE IF NOT EXISTS dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        receive_count INTEGER NOT NULL,
        moved_at REAL NOT NULL,
        handled INTEGER NOT NULL DEFAULT 0
    )""",
]


class SqliteJobQueue:
    """At-least-once delivery of ``IngestJob`` messages.

    A received job is invisible for ``visibility_timeout_s``; if not acked by then (the worker
    died) it is delivered again. A job received more than ``max_receives`` times moves to the
    dead letters instead of being delivered.
    """

    def __init__(
        self,
        db: SqliteDb,
        *,
        visibility_timeout_s: float = 300.0,
        max_receives: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._timeout = visibility_timeout_s
        self._max = max_receives
        self._clock = clock
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        with db.transaction() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
            columns = {row["name"] for row in conn.execute("PRAGMA table_info(jobs)")}
            if "owner" not in columns:  # a data dir made before jobs recorded their taker
                conn.execute("ALTER TABLE jobs ADD COLUMN owner TEXT")

    def send(self, job: IngestJob) -> None:
        """Enqueue; a duplicate of a pending (doc_id, version) job is dropped."""
        now = self._clock()
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO jobs (doc_id, version, visible_at, enqueued_at)"
                " VALUES (?, ?, ?, ?)",
                (job.doc_id, job.version, now, now),
            )

    def receive(self, max_messages: int = 1) -> list[ReceivedJob]:
        """Take up to ``max_messages`` visible jobs, dead-lettering over-received ones."""
        now = self._clock()
        out: list[ReceivedJob] = []
        with self._db.transaction() as conn:
            while len(out) < max_messages:
                row = conn.execute(
                    "SELECT id, doc_id, version, receive_count FROM jobs"
                    " WHERE visible_at <= ? ORDER BY visible_at, id LIMIT 1",
                    (now,),
                ).fetchone()
                if row is None:
                    break
                if row["receive_count"] >= self._max:
                    conn.execute(
                        "INSERT INTO dead_letters (doc_id, version, receive_count, moved_at)"
                        " VALUES (?, ?, ?, ?)",
                        (row["doc_id"], row["version"], row["receive_count"], now),
                    )
                    conn.execute("DELETE FROM jobs WHERE id = ?", (row["id"],))
                    continue
                receipt = f"{row['id']}:{uuid.uuid4().hex}"
                conn.execute(
                    "UPDATE jobs SET receive_count = receive_count + 1, visible_at = ?,"
                    " receipt = ?, owner = ? WHERE id = ?",
                    (now + self._timeout, receipt, self._owner, row["id"]),
                )
                job = IngestJob(doc_id=row["doc_id"], version=row["version"])
                out.append(ReceivedJob(job, receipt, row["receive_count"] + 1))
        return out

    def ack(self, receipt: str) -> None:
        """Delete the job if ``receipt`` is its latest one."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM jobs WHERE receipt = ?", (receipt,))

    def release(self, receipt: str, *, delay_s: float = 0.0) -> None:
        """Make the job visible again after ``delay_s``."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET visible_at = ? WHERE receipt = ?",
                (self._clock() + delay_s, receipt),
            )

    def reclaim_orphans(self) -> int:
        """Make jobs taken by a process that is gone visible at once (instead of after the
        visibility timeout); returns how many. Jobs of live processes (a CLI and a server may
        share the data dir) and of other hosts are left alone. A job taken by an earlier
        process that had this process's id (a restarted container is often pid 1) counts as
        gone: it was taken by another queue instance."""
        host, pid, _ = self._owner.split(":")
        now = self._clock()
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT id, owner FROM jobs WHERE visible_at > ? AND owner IS NOT NULL", (now,)
            ).fetchall()
            orphans = [r["id"] for r in rows if _orphaned(r["owner"], self._owner, host, pid)]
            conn.executemany(
                "UPDATE jobs SET visible_at = ?, owner = NULL WHERE id = ?",
                [(now, job_id) for job_id in orphans],
            )
        return len(orphans)

    def pending(self) -> int:
        """Jobs waiting or in flight."""
        return int(self._db.query("SELECT COUNT(*) AS n FROM jobs")[0]["n"])

    def next_visible_in(self) -> float | None:
        """Seconds until the next job becomes visible (0 if one is), None if the queue is empty."""
        rows = self._db.query("SELECT MIN(visible_at) AS t FROM jobs")
        if rows[0]["t"] is None:
            return None
        return max(0.0, float(rows[0]["t"]) - self._clock())

    def take_dead_letters(self) -> list[IngestJob]:
        """Dead letters not yet handed out, marking them handled."""
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT id, doc_id, version FROM dead_letters WHERE handled = 0 ORDER BY id"
            ).fetchall()
            conn.execute("UPDATE dead_letters SET handled = 1 WHERE handled = 0")
        return [IngestJob(doc_id=r["doc_id"], version=r["version"]) for r in rows]

    def dead_letter_count(self) -> int:
        """All dead letters ever recorded."""
        return int(self._db.query("SELECT COUNT(*) AS n FROM dead_letters")[0]["n"])


def _orphaned(owner: str, mine: str, host: str, pid: str) -> bool:
    their_host, their_pid, _ = [*owner.split(":"), "", "", ""][:3]
    if their_host != host or not their_pid.isdigit():
        return False  # another machine's process: its liveness cannot be checked from here
    if their_pid == pid:
        return owner != mine
    try:
        os.kill(int(their_pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False
