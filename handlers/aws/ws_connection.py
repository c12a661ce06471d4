"""WebSocket ``$connect`` / ``$disconnect``: keep the connections table current. The
authorizer already verified the token and put the user id into the request context."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.logging import Logger

from service.adapters.dynamo_connections import DynamoConnections
from service.config import get_settings
from service.wiring import aws_connections

logger = Logger(service="rag-ws-connection")


@lru_cache(maxsize=1)
def _connections() -> DynamoConnections:
    return aws_connections(get_settings())


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record a connection on ``$connect``; forget it on ``$disconnect``."""
    request = event["requestContext"]
    connection_id = request["connectionId"]
    if request.get("eventType") == "CONNECT":
        user_id = (request.get("authorizer") or {}).get("user_id")
        if not user_id:  # the route is misconfigured without the authorizer: refuse
            return {"statusCode": 401}
        _connections().add(connection_id, user_id)
        logger.info("connected", extra={"connection_id": connection_id, "user_id": user_id})
    elif request.get("eventType") == "DISCONNECT":
        _connections().remove(connection_id)
        logger.info("disconnected", extra={"connection_id": connection_id})
    return {"statusCode": 200}
