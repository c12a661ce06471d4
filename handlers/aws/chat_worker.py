"""Chat worker (invoked asynchronously by the ``ask`` route): runs ``ChatService.ask`` and
streams its events to the connection, checking the cancel flag between batches."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from handlers.aws.metering import log_metrics_if_any
from service.adapters.dynamo_connections import DynamoConnections
from service.config import get_settings
from service.errors import ErrorCode
from service.models import AskAction, DoneEvent, ErrorEvent
from service.wiring import Services, build_services

logger = Logger(service="rag-chat-worker")
metrics = Metrics(namespace="RagService", service="chat-worker")
tracer = Tracer(service="rag-chat-worker")

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


@logger.inject_lambda_context(correlation_id_path="ask.request_id")
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (asynchronous invoke by the ``ask`` route)."""
    return answer(event)


def answer(event: dict[str, Any]) -> dict[str, Any]:
    """Answer one question (``{connection_id, owner, ask}``); returns what was sent."""
    services = _services()
    if services.aws is None:  # a wiring error, not the person's
        raise TypeError("the chat worker needs the AWS adapters (RAG_MODE=aws)")
    notifier = services.aws.notifier
    ask = AskAction.model_validate(event["ask"])
    connection_id, owner = event["connection_id"], event["owner"]
    cancelled = CancelFlag(services.aws.connections, connection_id, ask.request_id)
    started, frames, finished = time.monotonic(), 0, False
    events = services.conversations.answer(services.chat, owner, ask, cancelled=cancelled)
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
    elapsed = time.monotonic() - started
    metrics.add_metric(name="AnswerSeconds", unit=MetricUnit.Seconds, value=elapsed)
    return {"frames": frames, "outcome": "done" if finished else "cancelled"}
