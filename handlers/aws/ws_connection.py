"""WebSocket ``$connect`` / ``$disconnect``: keep the connections table current. The
authorizer already verified the token and put the user id into the request context."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.logging import Logger

from service.adapters.dynamo_connections import DynamoConnections
from service.adapters.dynamo_limits import CONNECTIONS, DynamoPersonLimits
from service.config import get_settings
from service.errors import ErrorCode
from service.storage_wiring import aws_connections, aws_person_limits

logger = Logger(service="rag-ws-connection")


@lru_cache(maxsize=1)
def _connections() -> DynamoConnections:
    return aws_connections(get_settings())


@lru_cache(maxsize=1)
def _limits() -> DynamoPersonLimits:
    return aws_person_limits(get_settings())


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record a connection on ``$connect`` (refused with 429 past the person's limit of open
    connections); forget it on ``$disconnect``."""
    request = event["requestContext"]
    connection_id = request["connectionId"]
    if request.get("eventType") == "CONNECT":
        user_id = (request.get("authorizer") or {}).get("user_id")
        if not user_id:  # the route is misconfigured without the authorizer: refuse
            return {"statusCode": 401}
        if not _limits().take(CONNECTIONS, user_id, connection_id):
            logger.info("too many connections", extra={"user_id": user_id})
            return _rate_limited()
        _connections().add(connection_id, user_id)
        logger.info("connected", extra={"connection_id": connection_id, "user_id": user_id})
    elif request.get("eventType") == "DISCONNECT":
        user_id = (request.get("authorizer") or {}).get("user_id")
        user_id = user_id or _connections().owner_of(connection_id)
        if user_id:
            _limits().give_back(CONNECTIONS, user_id, connection_id)
        _connections().remove(connection_id)
        logger.info("disconnected", extra={"connection_id": connection_id})
    return {"statusCode": 200}


def _rate_limited() -> dict[str, Any]:
    # A refused $connect fails the client's handshake with this status (no frame can be sent)
    body = {"error": {"code": ErrorCode.RATE_LIMITED.value, "message": "too many open connections"}}
    return {"statusCode": 429, "body": json.dumps(body)}
