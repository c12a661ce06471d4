"""Chat worker (invoked asynchronously by the ``ask`` route): runs ``ChatService.ask`` and
streams its events to the connection, checking the cancel flag between batches."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Metrics

from handlers.aws.metering import log_metrics_if_any
from handlers.aws.observe import annotate, lambda_logger, lambda_tracer
from service.adapters.aws_clients import lazy_client
from service.adapters.cognito_groups import CognitoGroups
from service.adapters.dynamo_connections import DynamoConnections
from service.adapters.dynamo_limits import QUESTIONS, DynamoPersonLimits, question_slot
from service.config import get_settings
from service.context import request_scope, usable_request_id
from service.errors import ErrorCode
from service.models import AskAction, DoneEvent, ErrorEvent
from service.naming import valid_groups
from service.storage_wiring import aws_person_limits
from service.wiring import Services, build_services

logger = lambda_logger("rag-chat-worker")
SESSION_ENDED = ErrorEvent(code=ErrorCode.UNAUTHORIZED, message="the session ended: sign in again")
metrics = Metrics(namespace="RagService", service="chat-worker")
tracer = lambda_tracer("rag-chat-worker")

CANCEL_CHECK_S = 0.25  # at most one DynamoDB read per quarter second of streaming


@lru_cache(maxsize=1)
def _services() -> Services:
    """Built once per container, so warm invocations reuse the open table and its caches. This
    worker only reads: its handle re-checks for new commits every few seconds, not per read."""
    settings = get_settings()
    reader = settings.model_copy(
        update={"lancedb_read_consistency_s": settings.lancedb_query_consistency_s}
    )
    return build_services(reader)


@lru_cache(maxsize=1)
def _directory() -> CognitoGroups:
    settings = get_settings()
    return CognitoGroups(settings.cognito_user_pool_id, lazy_client(settings, "cognito-idp"))


def _groups(services: Services, event: dict[str, Any]) -> frozenset[str]:
    """The asker's groups now (the pool's answer), or those of the connection's token."""
    username = str(event.get("username") or "")
    if services.settings.cognito_groups_per_question and username:
        return _directory().groups_of(username)
    return valid_groups(str(event.get("groups") or "").split(","))


def _still_enabled(services: Services, event: dict[str, Any]) -> bool:
    """False once an administrator disabled (or deleted) the asker in the user pool: an open
    WebSocket keeps the token it connected with, so the worker asks the pool (at most every
    ``RAG_COGNITO_USER_CHECK_S``)."""
    username = str(event.get("username") or "")
    max_age_s = services.settings.cognito_user_check_s
    if not username or max_age_s <= 0:
        return True
    return _directory().enabled(username, max_age_s=max_age_s)


class CancelFlag:
    """``cancelled()`` for one answer, reading the flag at most every ``CANCEL_CHECK_S``."""

    def __init__(self, connections: DynamoConnections, connection_id: str, request_id: str):
        self._args = (connection_id, request_id)
        self._connections = connections
        self._checked = float("-inf")
        self._cancelled = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._checked >= CANCEL_CHECK_S:
            self._checked = now
            self._cancelled = self._connections.is_cancelled(*self._args)
        return self._cancelled


@logger.inject_lambda_context(correlation_id_path="request_id")
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (asynchronous invoke by the ``ask`` route)."""
    return answer(event)


@lru_cache(maxsize=1)
def _limits() -> DynamoPersonLimits:
    return aws_person_limits(get_settings())


def answer(event: dict[str, Any]) -> dict[str, Any]:
    """Answer one question (``{connection_id, owner, ask, request_id}``) under the request id
    the ``ask`` route passed along; returns what was sent. The person's question slot (taken
    by the ask route) is given back however this ends."""
    with request_scope(usable_request_id(event.get("request_id"))) as request_id:
        annotate(tracer, request_id)
        try:
            return _answer(event)
        finally:
            slot = question_slot(event["connection_id"], str(event["ask"].get("request_id")))
            _limits().give_back(QUESTIONS, event["owner"], slot)


def _answer(event: dict[str, Any]) -> dict[str, Any]:
    services = _services()
    if services.aws is None:  # a wiring error, not the person's
        raise TypeError("the chat worker needs the AWS adapters (RAG_MODE=aws)")
    notifier = services.aws.notifier
    ask = AskAction.model_validate(event["ask"])
    connection_id, owner = event["connection_id"], event["owner"]
    cancelled = CancelFlag(services.aws.connections, connection_id, ask.request_id)
    if not _still_enabled(services, event):
        notifier.send(connection_id, SESSION_ENDED)
        notifier.close(connection_id)  # the web app reconnects and must sign in again
        return {"frames": 1, "outcome": "session ended"}
    frames, finished = 0, False
    logger.info("answering question %s", ask.request_id)
    events = services.conversations.answer(
        services.chat, owner, ask, cancelled=cancelled, groups=_groups(services, event)
    )
    for chat_event in events:
        if not notifier.send(connection_id, chat_event):
            events.close()  # stores the turn so far, marked cancelled
            return {"frames": frames, "outcome": "gone"}
        frames += 1
        finished = isinstance(chat_event, DoneEvent | ErrorEvent)
    if not finished:  # ChatService stops quietly when cancelled: tell the client why
        notifier.send(
            connection_id,
            ErrorEvent(
                request_id=ask.request_id,
                code=ErrorCode.CANCELLED,
                message="the answer was cancelled",
            ),
        )
    return {"frames": frames, "outcome": "done" if finished else "cancelled"}
