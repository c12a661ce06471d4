"""An API Gateway WebSocket ends when the token it was opened with expires (issue 13): the
authorizer records the token's expiry in the connection's context and the message route
closes the connection once it has passed (the web app reconnects with a fresh token)."""

from __future__ import annotations

import time
import uuid

from handlers.aws import ws_connection, ws_message
from service.adapters.dynamo_connections import DynamoConnections
from tests.aws.conftest import FakeContext, Stack
from tests.aws.lambda_events import posted_frames, ws_event


def open_connection(stack: Stack, user: str, expires_at: float) -> str:
    conn = f"c-{uuid.uuid4().hex[:6]}"
    event = ws_event("ws_connect", conn, user)
    event["requestContext"]["authorizer"]["expires_at"] = str(int(expires_at))
    assert ws_connection.handler(event, FakeContext())["statusCode"] == 200
    return conn


def send_ping(conn: str, user: str, expires_at: float) -> None:
    event = ws_event("ws_message", conn, user, {"action": "ping"})
    event["requestContext"]["authorizer"]["expires_at"] = str(int(expires_at))
    assert ws_message.handler(event, FakeContext()) == {"statusCode": 200}


def test_a_message_after_the_token_expired_closes_the_connection(stack: Stack) -> None:
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    user, table = f"u-{uuid.uuid4().hex[:6]}", stack.env["connections_table"]
    connections = DynamoConnections(table, stack.aws("dynamodb"))
    live_until = time.time() + 600
    conn = open_connection(stack, user, live_until)
    send_ping(conn, user, live_until)
    assert [f["type"] for f in posted_frames(conn)] == ["pong"]
    expired = open_connection(stack, user, time.time() - 1)
    send_ping(expired, user, time.time() - 1)
    # the server closed it (moto forgets a deleted connection's frames) and forgot it
    backend = apigatewaymanagementapi_backends["123456789012"]["us-east-1"]
    assert expired not in backend.connections
    assert connections.owner_of(expired) is None
    assert connections.owner_of(conn) == user
