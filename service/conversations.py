"""Conversations kept on the server, and feedback on answers (issue 15).

``ConversationService.answer`` is the one chat flow of the local WebSocket and the AWS chat
worker: it loads the history the server stored (client-sent history is refused), announces
the conversation, streams ``ChatService.ask`` untouched, and stores the turn once the answer
is done (before ``done`` goes out, so a follow-up always finds it) or cancelled (marked so).
Nothing is written before the first token.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Collection, Generator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from service.errors import BadRequest, ErrorCode, NotFound, RagError
from service.models import (
    MAX_TITLE_CHARS,
    AnswerEvent,
    AskAction,
    ChatTurn,
    Conversation,
    ConversationEvent,
    ConversationPage,
    ConversationSummary,
    DoneEvent,
    ErrorEvent,
    Feedback,
    FeedbackRecord,
    Rating,
    Source,
    SourcesEvent,
    TokenEvent,
    Turn,
    TurnSettings,
)
from service.ports import ConversationStore

if TYPE_CHECKING:
    from service.chat import ChatService
    from service.config import Settings

log = logging.getLogger(__name__)
History = list[ChatTurn]  # (``list`` is also a method name of the class below)

_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_CONTEXT_CHARS = 20_000  # ChatTurn's bound
MAX_TURNS = 100_000  # turn numbers are 5 digits in DynamoDB sort keys
HISTORY_REFUSED = (
    "history is kept on the server and client-sent history is refused: send the "
    "conversation_id of the conversation to continue"
)


def turn_settings(settings: Settings) -> TurnSettings:
    """What of ``settings`` shapes an answer (recorded with every turn)."""
    provider = settings.llm_provider.value
    model = {
        "extractive": "extractive",
        "bedrock": settings.bedrock_llm_model,
    }.get(provider, settings.llm_model)
    return TurnSettings(
        llm_provider=provider,
        llm_model=model,
        embed_provider=settings.embed_provider.value,
        retrieval_mode="hybrid",
        reranker=settings.reranker,
        top_k=settings.top_k,
    )


def make_title(question: str) -> str:
    """The first question, on one line, cut to ``MAX_TITLE_CHARS``."""
    line = " ".join(question.split())
    return line if len(line) <= MAX_TITLE_CHARS else line[: MAX_TITLE_CHARS - 1] + "…"


class ConversationService:
    """Everything the API, the CLI and the chat flow do with conversations."""

    def __init__(
        self, store: ConversationStore, *, settings: TurnSettings, max_history_turns: int
    ) -> None:
        self.store = store
        self._settings = settings
        self._max_turns = max_history_turns

    def get(self, owner: str, conversation_id: str) -> Conversation:
        """One conversation of ``owner``; ``NotFound`` for anyone else's (nothing revealed)."""
        found = self.store.get(owner, conversation_id) if _ID.match(conversation_id) else None
        if found is None:
            raise NotFound("conversation not found")
        return found

    def list(self, owner: str, *, cursor: str | None, limit: int) -> ConversationPage:
        """The owner's conversations, most recently updated first."""
        return self.store.list(owner, cursor=cursor, limit=limit)

    def rename(self, owner: str, conversation_id: str, title: str) -> ConversationSummary:
        """Give a conversation a new title (1 to ``MAX_TITLE_CHARS`` characters)."""
        title = " ".join(title.split())
        if not 1 <= len(title) <= MAX_TITLE_CHARS:
            raise BadRequest(f"the title must have 1 to {MAX_TITLE_CHARS} characters")
        self.get(owner, conversation_id)
        return self.store.rename(owner, conversation_id, title)

    def delete(self, owner: str, conversation_id: str) -> None:
        """Delete one conversation; ``NotFound`` if it is not the owner's."""
        if not (_ID.match(conversation_id) and self.store.delete(owner, conversation_id)):
            raise NotFound("conversation not found")

    def delete_all(self, owner: str) -> int:
        """Delete every conversation of ``owner``; how many there were."""
        return self.store.delete_all(owner)

    def rate(
        self, owner: str, conversation_id: str, n: int, rating: Rating, comment: str | None = None
    ) -> Turn:
        """Thumbs up or down (with an optional comment) on answer ``n``."""
        if not _ID.match(conversation_id) or not 0 <= n < MAX_TURNS:  # SQLite ints end at 2**63
            raise NotFound("turn not found")
        comment = (comment or "").strip() or None
        feedback = Feedback(rating=rating, comment=comment, at=datetime.now(UTC))
        return self.store.set_feedback(owner, conversation_id, n, feedback)

    def export_feedback(self, since: datetime) -> Iterator[FeedbackRecord]:
        """Every person's feedback at or after ``since`` (administrators only: the edges check)."""
        return self.store.feedback_since(since)

    def purge(self) -> int:
        """Delete what retention has expired (a no-op on DynamoDB, whose TTL does it)."""
        return self.store.purge(datetime.now(UTC))

    def history(self, conversation: Conversation) -> History:
        """The stored turns as the chat history (the most recent ``max_history_turns``)."""
        turns: History = []
        for turn in conversation.turns[-self._max_turns :] if self._max_turns else []:
            turns.append(ChatTurn(role="user", content=turn.question[:MAX_CONTEXT_CHARS]))
            if turn.answer:
                turns.append(ChatTurn(role="assistant", content=turn.answer[:MAX_CONTEXT_CHARS]))
        return turns

    def answer(
        self,
        chat: ChatService,
        owner: str,
        ask: AskAction,
        *,
        cancelled: Callable[[], bool] = lambda: False,
        groups: Collection[str] = (),
    ) -> Generator[AnswerEvent, None, None]:
        """The chat flow: a ``conversation`` event, then ``ChatService.ask``'s events (over
        ``owner``'s documents and those shared with any of ``groups``)."""
        rid = ask.request_id
        try:
            conversation = self._resume(owner, ask)
        except RagError as exc:
            yield ErrorEvent(request_id=rid, code=exc.code, message=exc.message)
            return
        cid = conversation.conversation_id if conversation else uuid.uuid4().hex
        title = conversation.title if conversation else make_title(ask.question)
        yield ConversationEvent(request_id=rid, conversation_id=cid)
        history = self.history(conversation) if conversation else []
        record = _Recorder(ask, self._settings)
        events = chat.ask(
            owner, ask.question, history=history, doc_ids=ask.doc_ids, request_id=rid,
            cancelled=cancelled, groups=groups,
        )  # fmt: skip
        try:
            for event in events:
                if record.see(event) == "done":
                    self._store(owner, cid, record.turn(cancelled=False), title)
                yield event
        finally:  # also when the consumer closes this generator (a cancel, a disconnect)
            events.close()
            if record.outcome is None:
                self._store(owner, cid, record.turn(cancelled=True), title)

    def _resume(self, owner: str, ask: AskAction) -> Conversation | None:
        """The conversation ``ask`` continues (None: a new one); client history is refused."""
        if ask.history:
            raise BadRequest(HISTORY_REFUSED)
        return self.get(owner, ask.conversation_id) if ask.conversation_id else None

    def _store(self, owner: str, cid: str, turn: Turn, title: str) -> None:
        try:
            self.store.append(owner, cid, turn, title=title)
        except Exception:  # the answer went out already: losing its record must not hide it
            log.exception("storing a conversation turn failed")


class _Recorder:
    """Collects what the person was sent, to store it as a turn."""

    def __init__(self, ask: AskAction, settings: TurnSettings) -> None:
        self._question = ask.question.strip()
        self._settings = settings.model_copy(update={"doc_ids": ask.doc_ids})
        self._started = datetime.now(UTC)
        self._parts: list[str] = []
        self._sources: list[Source] = []
        self.outcome: str | None = None  # "done" or "error"; None while running or cancelled

    def see(self, event: AnswerEvent) -> str | None:
        """Take note of one event; returns the outcome once it is known."""
        if isinstance(event, TokenEvent):
            self._parts.append(event.text)
        elif isinstance(event, SourcesEvent):
            self._sources = event.sources
        elif isinstance(event, DoneEvent):
            self.outcome = "done"
        elif isinstance(event, ErrorEvent):
            self.outcome = "error" if event.code is not ErrorCode.CANCELLED else None
        return self.outcome

    def turn(self, *, cancelled: bool) -> Turn:
        """The turn as it stands."""
        return Turn(
            question=self._question,
            answer="".join(self._parts),
            sources=self._sources,
            cancelled=cancelled,
            settings=self._settings,
            created_at=self._started,
        )
