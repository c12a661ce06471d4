"""WebSocket message routes (``ask``, ``cancel``, ``ping``, ``$default``). ``ask`` hands the
question to the chat worker by asynchronous invoke and returns at once, because API Gateway
ends an integration after 29 s; ``cancel`` sets the flag the worker checks between batches."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from handlers.aws.metering import log_metrics_if_any
from service.adapters.apigw_notifier import ApiGatewayNotifier
from service.adapters.aws_clients import lazy_client
from service.adapters.dynamo_connections import DynamoConnections
from service.config import Settings, get_settings
from service.errors import ErrorCode
from service.models import AskAction, CancelAction, ErrorEvent, PongEvent
from service.protocol import parse_client_message
from service.wiring import aws_connections, aws_notifier

logger = Logger(service="rag-ws-message")
metrics = Metrics(namespace="RagService", service="ws-message")
tracer = Tracer(service="rag-ws-message")


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


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@log_metrics_if_any(metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Parse the client's message and act on it; replies go out through the notifier."""
    settings, connections, notifier, dispatcher = _runtime()
    request = event["requestContext"]
    connection_id = request["connectionId"]
    owner = (request.get("authorizer") or {}).get("user_id")
    action = parse_client_message(event.get("body") or "")
    reply: BaseModel | None = None
    if owner is None:
        reply = ErrorEvent(code=ErrorCode.UNAUTHORIZED, message="sign in first")
    elif isinstance(action, ErrorEvent):
        reply = action
    elif isinstance(action, AskAction):
        authorizer = request.get("authorizer") or {}
        reply = _ask(settings, dispatcher, connection_id, owner, action, authorizer)
    elif isinstance(action, CancelAction):
        connections.cancel(connection_id, action.request_id)
    else:
        reply = PongEvent()
    if reply is not None:
        notifier.send(connection_id, reply)
    return {"statusCode": 200}


def _ask(
    settings: Settings,
    dispatcher: ChatDispatcher,
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
    metrics.add_metric(name="Questions", unit=MetricUnit.Count, value=1)
    payload = {
        "connection_id": connection_id,
        "owner": owner,
        # who the authorizer verified: the token's groups, and the name to read them afresh by
        "groups": (authorizer or {}).get("groups") or "",
        "username": (authorizer or {}).get("username") or "",
        "ask": ask.model_dump(mode="json"),
    }
    dispatcher.dispatch(payload)
    return None
