"""WebSocket message routes (``ask``, ``cancel``, ``ping``, ``$default``). ``ask`` hands the
question to the chat worker by asynchronous invoke and returns at once, because API Gateway
ends an integration after 29 s; ``cancel`` sets the flag the worker checks between batches."""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any, Protocol

from aws_lambda_powertools import Metrics
from pydantic import BaseModel

from handlers.aws.metering import log_metrics_if_any
from handlers.aws.observe import annotate, lambda_logger, lambda_tracer
from service.adapters.apigw_notifier import ApiGatewayNotifier
from service.adapters.aws_clients import lazy_client
from service.adapters.dynamo_connections import DynamoConnections
from service.adapters.dynamo_limits import QUESTIONS, DynamoPersonLimits, question_slot
from service.config import Settings, get_settings
from service.context import current_request_id, request_scope, usable_request_id
from service.errors import ErrorCode
from service.models import AskAction, CancelAction, ErrorEvent, PongEvent
from service.protocol import parse_client_message
from service.storage_wiring import aws_connections, aws_notifier, aws_person_limits

logger = lambda_logger("rag-ws-message")
SESSION_ENDED = ErrorEvent(code=ErrorCode.UNAUTHORIZED, message="the session ended: sign in again")
metrics = Metrics(namespace="RagService", service="ws-message")
tracer = lambda_tracer("rag-ws-message")


class ChatDispatcher(Protocol):
    """Starts the chat worker for one question."""

    def dispatch(self, payload: dict[str, Any]) -> None:
        """Hand ``payload`` to the worker without waiting for the answer."""
        ...


class LambdaDispatcher:
    """Asynchronous ``lambda.invoke`` (``InvocationType='Event'``) of the chat worker."""

    def __init__(self, function_name: str, client: Any) -> None:
        self._function = function_name
        self._client = client

    def dispatch(self, payload: dict[str, Any]) -> None:
        """Queue one invocation; Lambda retries it on its own if the worker crashes."""
        self._client.invoke(
            FunctionName=self._function,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )


class InlineDispatcher:
    """Runs the worker in this process (``RAG_CHAT_DISPATCH=inline``: tests, local tooling)."""

    def dispatch(self, payload: dict[str, Any]) -> None:
        """Run the chat worker to completion."""
        from handlers.aws import chat_worker

        chat_worker.answer(payload)


@lru_cache(maxsize=1)
def _runtime() -> tuple[Settings, DynamoConnections, ApiGatewayNotifier, ChatDispatcher]:
    settings = get_settings()
    connections = aws_connections(settings)
    dispatcher: ChatDispatcher = (
        InlineDispatcher()
        if settings.chat_dispatch == "inline"
        else LambdaDispatcher(settings.chat_worker_function, lazy_client(settings, "lambda"))
    )
    return settings, connections, aws_notifier(settings, connections), dispatcher


@lru_cache(maxsize=1)
def _limits() -> DynamoPersonLimits:
    return aws_person_limits(get_settings())


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Parse the client's message and act on it; replies go out through the notifier. The
    message's API Gateway request id is the request id of everything it causes, the chat
    worker's answer included (passed in the invoke payload)."""
    request_id = usable_request_id(event["requestContext"].get("requestId"))
    with request_scope(request_id):
        annotate(tracer, request_id)
        return _handle(event)


def _handle(event: dict[str, Any]) -> dict[str, Any]:
    settings, connections, notifier, dispatcher = _runtime()
    request = event["requestContext"]
    connection_id = request["connectionId"]
    owner = (request.get("authorizer") or {}).get("user_id")
    if owner is not None and _expired(request.get("authorizer") or {}):
        notifier.send(connection_id, SESSION_ENDED)
        notifier.close(connection_id)  # the web app reconnects with a fresh token
        return {"statusCode": 200}
    action = parse_client_message(event.get("body") or "")
    reply: BaseModel | None = None
    if owner is None:
        reply = ErrorEvent(code=ErrorCode.UNAUTHORIZED, message="sign in first")
    elif isinstance(action, ErrorEvent):
        reply = action
    elif isinstance(action, AskAction):
        authorizer = request.get("authorizer") or {}
        reply = _ask(settings, dispatcher, _limits(), connection_id, owner, action, authorizer)
    elif isinstance(action, CancelAction):
        connections.cancel(connection_id, action.request_id)
    else:
        reply = PongEvent()
    if reply is not None:
        notifier.send(connection_id, reply)
    return {"statusCode": 200}


def _expired(authorizer: dict[str, Any]) -> bool:
    try:  # the token's expiry, recorded by the authorizer at $connect ("0": unknown)
        expires = float(authorizer.get("expires_at") or 0)
    except ValueError:
        return True
    return 0 < expires < time.time()


def _ask(
    settings: Settings,
    dispatcher: ChatDispatcher,
    limits: DynamoPersonLimits,
    connection_id: str,
    owner: str,
    ask: AskAction,
    authorizer: dict[str, Any] | None = None,
) -> ErrorEvent | None:
    question = ask.question.strip()
    if not question or len(question) > settings.max_question_chars:
        return ErrorEvent(
            request_id=ask.request_id,
            code=ErrorCode.BAD_REQUEST,
            message=f"the question must have 1 to {settings.max_question_chars} characters",
        )
    slot = question_slot(connection_id, ask.request_id)
    if not limits.take(QUESTIONS, owner, slot):
        return ErrorEvent(
            request_id=ask.request_id,
            code=ErrorCode.RATE_LIMITED,
            message=f"at most {settings.max_questions_per_user} questions at once: wait for "
            "an answer to finish",
        )
    payload = {
        "connection_id": connection_id,
        "owner": owner,
        # who the authorizer verified: the token's groups, and the name to read them afresh by
        "groups": (authorizer or {}).get("groups") or "",
        "username": (authorizer or {}).get("username") or "",
        "ask": ask.model_dump(mode="json"),
        "request_id": current_request_id(),
    }
    logger.info("question %s handed to the chat worker", ask.request_id)
    try:
        dispatcher.dispatch(payload)  # the worker gives the slot back when it is done
    except BaseException:
        limits.give_back(QUESTIONS, owner, slot)
        raise
    return None
