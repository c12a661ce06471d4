"""REST routes of conversations and feedback (issue 15), included by ``handlers.api``. Another
person's conversation is 404 everywhere; over-long titles and comments are 400."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from handlers.api import CallerDep, ServicesDep
from handlers.api import _errors as error_responses
from service.errors import ErrorCode, Forbidden
from service.models import (
    Conversation,
    ConversationPage,
    ConversationSummary,
    FeedbackRecord,
    FeedbackRequest,
    RenameConversationRequest,
    Turn,
)

router = APIRouter(tags=["conversations"])
_missing = error_responses(ErrorCode.NOT_FOUND)
_invalid = error_responses(ErrorCode.BAD_REQUEST)
IdPath = Annotated[str, Path(description="the conversation id")]


@router.get("/conversations", response_model=ConversationPage, responses=_invalid)
def list_conversations(
    who: CallerDep,
    svc: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ConversationPage:
    """The caller's conversations, most recently updated first."""
    return svc.conversations.list(who.user_id, cursor=cursor, limit=limit)


@router.delete("/conversations", status_code=204)
def delete_all_conversations(who: CallerDep, svc: ServicesDep) -> Response:
    """Delete every conversation of the caller."""
    svc.conversations.delete_all(who.user_id)
    return Response(status_code=204)


@router.get("/conversations/{conversation_id}", response_model=Conversation, responses=_missing)
def get_conversation(conversation_id: IdPath, who: CallerDep, svc: ServicesDep) -> Conversation:
    """One conversation with its turns."""
    return svc.conversations.get(who.user_id, conversation_id)


@router.patch(
    "/conversations/{conversation_id}",
    response_model=ConversationSummary,
    responses={**_missing, **_invalid},
)
def rename_conversation(
    conversation_id: IdPath, body: RenameConversationRequest, who: CallerDep, svc: ServicesDep
) -> ConversationSummary:
    """Rename a conversation."""
    return svc.conversations.rename(who.user_id, conversation_id, body.title)


@router.delete("/conversations/{conversation_id}", status_code=204, responses=_missing)
def delete_conversation(conversation_id: IdPath, who: CallerDep, svc: ServicesDep) -> Response:
    """Delete one conversation."""
    svc.conversations.delete(who.user_id, conversation_id)
    return Response(status_code=204)


@router.put(
    "/conversations/{conversation_id}/turns/{n}/feedback",
    response_model=Turn,
    responses={**_missing, **_invalid},
)
def rate_answer(
    conversation_id: IdPath, n: int, body: FeedbackRequest, who: CallerDep, svc: ServicesDep
) -> Turn:
    """Thumbs up or down on answer ``n`` (counted from 0), with an optional comment."""
    return svc.conversations.rate(who.user_id, conversation_id, n, body.rating, body.comment)


@router.get(
    "/feedback",
    responses={
        200: {"model": FeedbackRecord, "description": "one FeedbackRecord per line (JSON lines)"},
        **error_responses(ErrorCode.FORBIDDEN),
    },
    response_class=StreamingResponse,
    tags=["feedback"],
)
def export_feedback(
    who: CallerDep, svc: ServicesDep, since: datetime | None = None
) -> StreamingResponse:
    """Every person's feedback since ``since`` (default: all kept), as JSON lines (admins)."""
    if not who.is_admin:
        raise Forbidden("only administrators may export feedback")
    moment = since or datetime.min.replace(tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    lines = (
        record.model_dump_json() + "\n" for record in svc.conversations.export_feedback(moment)
    )
    return StreamingResponse(lines, media_type="application/x-ndjson")
