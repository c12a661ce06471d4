"""Every shape that crosses a boundary: registry records, jobs, REST bodies and WebSocket
events. The REST API's OpenAPI schema and the web app's types are generated from these."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.errors import ErrorCode


class DocumentStatus(StrEnum):
    """Lifecycle of a document: UPLOADING -> QUEUED -> PROCESSING -> INDEXED | FAILED."""

    UPLOADING = "UPLOADING"
    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    INDEXED = "INDEXED"
    FAILED = "FAILED"
    DELETING = "DELETING"


class IngestReport(BaseModel):
    """What ingesting a document found and how long each step took."""

    model_config = ConfigDict(frozen=True)

    pages: int | None = None
    pages_without_text: list[int] = Field(default_factory=list)
    chunks: int = 0
    parse_s: float = 0.0
    embed_s: float = 0.0
    warnings: list[str] = Field(default_factory=list)


class Document(BaseModel):
    """One registry record."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    owner: str
    filename: str
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    blob_key: str
    status: DocumentStatus
    error: str | None = None
    chunks: int = 0
    pages: int | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    report: IngestReport | None = None  # set when indexed (a failure says why in ``error``)
    shared_with: list[str] = Field(
        default_factory=list, description="groups that may read it (issue 15); owner-set"
    )


class IngestJob(BaseModel):
    """The one ingestion message shape, locally and on SQS."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    version: int


class DocumentPage(BaseModel):
    """A page of a document listing."""

    items: list[Document]
    next_cursor: str | None = None


class UploadTarget(BaseModel):
    """Exactly what the client sends to upload the bytes (and nothing else)."""

    url: str
    method: Literal["PUT", "POST"]
    headers: dict[str, str] = Field(default_factory=dict)
    fields: dict[str, str] = Field(default_factory=dict)


class CreateDocumentRequest(BaseModel):
    """Body of ``POST /documents``."""

    filename: str = Field(min_length=1, max_length=4096)
    size: int | None = Field(default=None, ge=0)
    content_type: str | None = Field(default=None, max_length=255)


class CreateDocumentResponse(BaseModel):
    """Response of ``POST /documents``."""

    document: Document
    upload: UploadTarget


class Me(BaseModel):
    """Response of ``GET /me``."""

    user_id: str
    is_admin: bool


class ErrorDetail(BaseModel):
    """The error object."""

    code: ErrorCode
    message: str


class ErrorBody(BaseModel):
    """Every error response body: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail


# --- chat -----------------------------------------------------------------------------------


class ChatTurn(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class Source(BaseModel):
    """One numbered citation."""

    n: int
    doc_id: str
    filename: str
    page: int | None
    snippet: str
    score: float


# client -> server


class AskAction(BaseModel):
    """Ask a question; the answer streams back as events carrying ``request_id``."""

    action: Literal["ask"]
    request_id: str = Field(min_length=1, max_length=128)
    question: str
    history: list[ChatTurn] = Field(
        default_factory=list,
        max_length=50,
        description="refused unless empty: the server keeps the history (see conversation_id)",
    )
    doc_ids: list[str] | None = Field(default=None, max_length=100)
    conversation_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="continue this conversation; absent: a new one (issue 15)",
    )


class CancelAction(BaseModel):
    """Stop a running answer."""

    action: Literal["cancel"]
    request_id: str = Field(min_length=1, max_length=128)


class PingAction(BaseModel):
    """Keep-alive."""

    action: Literal["ping"]


ClientMessage = Annotated[AskAction | CancelAction | PingAction, Field(discriminator="action")]


# server -> client


class TokenEvent(BaseModel):
    """A batch of answer text."""

    type: Literal["token"] = "token"
    request_id: str
    text: str


class SourcesEvent(BaseModel):
    """The numbered citations of an answer, sent once after its text."""

    type: Literal["sources"] = "sources"
    request_id: str
    sources: list[Source]


class DoneEvent(BaseModel):
    """The answer is complete."""

    type: Literal["done"] = "done"
    request_id: str


class ErrorEvent(BaseModel):
    """A request failed; ``request_id`` is null when the message could not be parsed."""

    type: Literal["error"] = "error"
    request_id: str | None = None
    code: ErrorCode
    message: str


class DocumentEvent(BaseModel):
    """A document's status changed."""

    type: Literal["document"] = "document"
    doc_id: str
    status: DocumentStatus
    error: str | None = None


class PongEvent(BaseModel):
    """Reply to ping."""

    type: Literal["pong"] = "pong"


ChatEvent = TokenEvent | SourcesEvent | DoneEvent | ErrorEvent


# --- conversations and feedback (issue 15) ------------------------------------------------------

MAX_TITLE_CHARS = 200
MAX_COMMENT_CHARS = 1000


class Rating(StrEnum):
    """Thumbs up or down on one answer."""

    UP = "up"
    DOWN = "down"


class Feedback(BaseModel):
    """A person's rating of one answer, with an optional comment."""

    rating: Rating
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)
    at: datetime


class TurnSettings(BaseModel):
    """The settings that produced an answer (so exported feedback can be explained)."""

    llm_provider: str
    llm_model: str
    embed_provider: str
    retrieval_mode: str
    reranker: str
    top_k: int
    doc_ids: list[str] | None = None


class Turn(BaseModel):
    """One question and its answer; ``n`` counts from 0 within the conversation."""

    n: int = 0
    question: str
    answer: str
    sources: list[Source] = Field(default_factory=list)
    cancelled: bool = False
    settings: TurnSettings
    created_at: datetime
    feedback: Feedback | None = None


class ConversationSummary(BaseModel):
    """A conversation without its turns (listings)."""

    conversation_id: str
    owner: str
    title: str
    created_at: datetime
    updated_at: datetime
    turn_count: int = 0


class Conversation(ConversationSummary):
    """A conversation with its turns, oldest first."""

    turns: list[Turn] = Field(default_factory=list)


class ConversationPage(BaseModel):
    """A page of a conversation listing, most recently updated first."""

    items: list[ConversationSummary]
    next_cursor: str | None = None


class RenameConversationRequest(BaseModel):
    """Body of ``PATCH /conversations/{id}``."""

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)


class FeedbackRequest(BaseModel):
    """Body of ``PUT /conversations/{id}/turns/{n}/feedback``."""

    rating: Rating
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class FeedbackRecord(BaseModel):
    """One line of the feedback export: the rating with what it rated."""

    owner: str
    conversation_id: str
    n: int
    question: str
    answer: str
    sources: list[Source]
    settings: TurnSettings
    cancelled: bool
    rating: Rating
    comment: str | None
    at: datetime


class ConversationEvent(BaseModel):
    """The first event of every answer: the conversation it belongs to (a new one when the
    ``ask`` carried no ``conversation_id``)."""

    type: Literal["conversation"] = "conversation"
    request_id: str
    conversation_id: str


AnswerEvent = ConversationEvent | ChatEvent
ServerEvent = Annotated[
    TokenEvent
    | SourcesEvent
    | DoneEvent
    | ErrorEvent
    | DocumentEvent
    | PongEvent
    | ConversationEvent,
    Field(discriminator="type"),
]


# --- usage for administrators (issue 16) -------------------------------------------------------


class UsageFigures(BaseModel):
    """What one person (or everyone) did over a period (``service.usage.figures`` makes one
    with zeros for what is not given)."""

    questions: int
    documents: int = Field(description="documents indexed")
    failures: int = Field(description="answers that failed and documents that failed")
    input_tokens: int
    output_tokens: int
    cost_usd: float = Field(description="estimated from counted tokens and prices")


class PersonUsage(UsageFigures):
    """One person's figures over the report's days."""

    user_id: str


class DayUsage(UsageFigures):
    """Everyone's figures on one day (UTC)."""

    day: str = Field(description="YYYY-MM-DD")


class UsageReport(BaseModel):
    """Response of ``GET /usage``: per person (most expensive first) and per day (oldest
    first, every day present), over the last ``days`` days including today (UTC)."""

    days: int
    since: str
    until: str
    people: list[PersonUsage]
    daily: list[DayUsage]
    total: UsageFigures


# --- sharing with groups (issue 15) ----------------------------------------------------------


class ShareRequest(BaseModel):
    """Body of ``PUT /documents/{id}/sharing``: the groups that may read the document."""

    groups: list[str] = Field(max_length=20, description="group names ([A-Za-z0-9_.-]{1,64})")
