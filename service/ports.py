"""The ports of the service: small protocols, each with a local and an AWS adapter."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from service.models import (
    Conversation,
    ConversationPage,
    ConversationSummary,
    Document,
    DocumentEvent,
    DocumentPage,
    DocumentStatus,
    Feedback,
    FeedbackRecord,
    IngestJob,
    Turn,
)


@dataclass(frozen=True)
class StoredBlob:
    """What a blob store reports after writing an object."""

    size: int
    sha256: str


class BlobStore(Protocol):
    """Document bytes, keyed by server-built keys (``documents/{owner}/{doc_id}``)."""

    def put(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Store the streamed bytes; raise ``TooLarge`` (storing nothing) past ``max_bytes``."""
        ...

    def read(self, key: str, *, max_bytes: int) -> bytes:
        """Return the bytes; ``NotFound`` if absent, ``TooLarge`` past ``max_bytes``."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; absent is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        ...


class Registry(Protocol):
    """The document registry: one record per document, conditional writes only."""

    def create(self, doc: Document) -> None:
        """Insert a new record; ``Conflict`` if the id exists."""
        ...

    def get(self, doc_id: str) -> Document | None:
        """The record, or None."""
        ...

    def list(self, owner: str | None, *, cursor: str | None, limit: int) -> DocumentPage:
        """Newest first; ``owner=None`` lists every owner's (admin scope)."""
        ...

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
        """Move to ``status`` if the record is in ``expect_status`` at ``expect_version``;
        otherwise raise ``Conflict`` (or ``NotFound``). Returns the new record."""
        ...

    def delete(self, doc_id: str) -> None:
        """Remove the record (and its shares); absent is not an error."""
        ...

    def share(self, doc_id: str, groups: Collection[str]) -> Document:
        """Make ``groups`` (validated names) the groups the document is shared with, replacing
        the old set; ``NotFound`` if absent, ``Conflict`` while it is being deleted."""
        ...

    def shared_with_any(self, groups: Collection[str]) -> Sequence[str]:
        """The ids of the documents shared with any of ``groups``, sorted; one indexed lookup
        per group at most (it runs on every question)."""
        ...


@dataclass(frozen=True)
class ReceivedJob:
    """A job handed out by a queue, invisible to others until acked or its timeout passes."""

    job: IngestJob
    receipt: str
    receive_count: int


class JobQueue(Protocol):
    """Ingestion jobs ``{doc_id, version}`` with at-least-once delivery."""

    def send(self, job: IngestJob) -> None:
        """Enqueue a job."""
        ...

    def receive(self, max_messages: int = 1) -> list[ReceivedJob]:
        """Take up to ``max_messages`` visible jobs."""
        ...

    def ack(self, receipt: str) -> None:
        """The job is done: delete it."""
        ...

    def release(self, receipt: str, *, delay_s: float = 0.0) -> None:
        """Give the job back for another attempt after ``delay_s``."""
        ...


class Notifier(Protocol):
    """Pushes document status events to the owner's open connections."""

    def publish(self, owner: str, event: DocumentEvent) -> None:
        """Deliver ``event`` to every open connection of ``owner``; never raises for a gone one."""
        ...


@dataclass(frozen=True)
class Principal:
    """A verified caller."""

    user_id: str
    is_admin: bool = False
    # Group names (validated, service.naming.GROUP): what is shared with them is readable.
    # Read from the token or the settings on every verification: never cached beyond it.
    groups: frozenset[str] = frozenset()


class Identity(Protocol):
    """Turns a bearer token into a principal."""

    def verify(self, token: str) -> Principal:
        """Return the caller, or raise ``Unauthorized``."""
        ...


class ChunkRows(Protocol):
    """What document administration needs of the vector index: drop one document's rows.
    (The vector index itself is LanceDB, whose URI is the port; see ``service.vectors``.)"""

    def delete(self, ref_doc_id: str) -> None:
        """Delete every row of ``ref_doc_id``."""
        ...


# --- conversations and feedback (issue 15) --------------------------------------------------


class ConversationStore(Protocol):
    """Conversations and their turns, always addressed through their owner: another person's
    conversation id finds nothing. Items older than the store's retention (counted from a
    conversation's last turn, and from each turn's own time) are never returned."""

    def append(self, owner: str, conversation_id: str, turn: Turn, *, title: str) -> Turn:
        """Add ``turn`` (numbered by the store), creating the conversation titled ``title``
        if it does not exist yet. Returns the stored turn."""
        ...

    def get(self, owner: str, conversation_id: str) -> Conversation | None:
        """The conversation with its turns, oldest first, or None."""
        ...

    def list(self, owner: str, *, cursor: str | None, limit: int) -> ConversationPage:
        """The owner's conversations, most recently updated first."""
        ...

    def rename(self, owner: str, conversation_id: str, title: str) -> ConversationSummary:
        """Set the title; ``NotFound`` if absent."""
        ...

    def delete(self, owner: str, conversation_id: str) -> bool:
        """Remove the conversation and its turns; whether it existed."""
        ...

    def delete_all(self, owner: str) -> int:
        """Remove every conversation of ``owner``; how many there were."""
        ...

    def set_feedback(
        self, owner: str, conversation_id: str, n: int, feedback: Feedback | None
    ) -> Turn:
        """Rate turn ``n`` (``None`` clears it); ``NotFound`` if there is no such turn."""
        ...

    def feedback_since(self, since: datetime) -> Iterator[FeedbackRecord]:
        """Every owner's rated turns whose feedback is at or after ``since``, oldest first."""
        ...

    def purge(self, now: datetime) -> int:
        """Physically delete what retention has expired (DynamoDB: TTL does it; returns 0)."""
        ...
