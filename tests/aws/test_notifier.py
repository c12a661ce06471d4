"""Connections table and the API Gateway notifier. moto's ``post_to_connection`` never raises
``GoneException``, so that branch uses botocore's Stubber on a real client (the one fake)."""

from __future__ import annotations

import uuid

import pytest
from botocore.stub import Stubber
from llama_index.core.schema import TextNode

from handlers.aws import maintenance, ws_connection
from service.adapters.apigw_notifier import ApiGatewayNotifier
from service.adapters.dynamo_connections import DynamoConnections
from service.models import DocumentEvent, DocumentStatus, TokenEvent
from tests.aws.conftest import FakeContext, Stack
from tests.aws.lambda_events import load, posted_frames, ws_event

EVENT = DocumentEvent(doc_id="d1", status=DocumentStatus.INDEXED)


def connections(stack: Stack) -> DynamoConnections:
    return DynamoConnections(stack.env["connections_table"], stack.aws("dynamodb"))


def test_connect_and_disconnect_maintain_the_table(stack: Stack) -> None:
    user, conn = f"u-{uuid.uuid4().hex[:6]}", f"c-{uuid.uuid4().hex[:6]}"
    assert (
        ws_connection.handler(ws_event("ws_connect", conn, user), FakeContext())["statusCode"]
        == 200
    )
    assert connections(stack).of_owner(user) == [conn]
    assert connections(stack).owner_of(conn) == user
    ws_connection.handler(ws_event("ws_disconnect", conn, user), FakeContext())
    assert connections(stack).of_owner(user) == []
    unauthorised = ws_event("ws_connect", conn, None)
    assert ws_connection.handler(unauthorised, FakeContext())["statusCode"] == 401


def test_publish_reaches_every_connection_of_the_owner_only(stack: Stack) -> None:
    table = connections(stack)
    user = f"u-{uuid.uuid4().hex[:6]}"
    mine = [f"c-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    other = f"c-{uuid.uuid4().hex[:6]}"
    for conn in mine:
        table.add(conn, user)
    table.add(other, "someone-else")
    notifier = ApiGatewayNotifier(table, stack.aws("apigatewaymanagementapi"))
    notifier.publish(user, EVENT)
    for conn in mine:
        assert posted_frames(conn) == [EVENT.model_dump(mode="json")]
    assert posted_frames(other) == []


def test_gone_connection_is_dropped_without_retry(stack: Stack) -> None:
    table = connections(stack)
    user = f"u-{uuid.uuid4().hex[:6]}"
    gone, alive = "gone-" + uuid.uuid4().hex[:6], "alive-" + uuid.uuid4().hex[:6]
    table.add(gone, user)
    table.add(alive, user)
    client = stack.aws("apigatewaymanagementapi")
    stubber = Stubber(client)
    for conn in sorted([gone, alive], key=table.of_owner(user).index):
        if conn == gone:
            stubber.add_client_error(
                "post_to_connection", service_error_code="GoneException", http_status_code=410
            )
        else:
            stubber.add_response(
                "post_to_connection",
                {},
                {"ConnectionId": conn, "Data": EVENT.model_dump_json().encode()},
            )
    with stubber:
        ApiGatewayNotifier(table, client).publish(user, EVENT)
        stubber.assert_no_pending_responses()  # one call each: Gone is not retried
    assert table.of_owner(user) == [alive]


def test_frames_over_32_kb_are_refused(stack: Stack) -> None:
    notifier = ApiGatewayNotifier(connections(stack), stack.aws("apigatewaymanagementapi"))
    with pytest.raises(ValueError, match="32 KB"):
        notifier.send("c1", TokenEvent(request_id="r", text="x" * 40_000))


def test_cancel_flags(stack: Stack) -> None:
    table = connections(stack)
    assert not table.is_cancelled("c1", "r1")
    table.cancel("c1", "r1")
    assert table.is_cancelled("c1", "r1") and not table.is_cancelled("c1", "r2")


def test_maintenance_handler_cleans_old_versions(stack: Stack) -> None:
    store = maintenance._services().store
    node = TextNode(
        id_="maint:000000",
        text="scratch row",
        embedding=[0.1] * store.dim,
        metadata={"doc_id": "maint", "owner": "maint", "filename": "m.txt", "chunk_index": 0},
    )
    store.replace_document("maint", [node])
    store.delete("maint")  # at least two versions older than the retention (0 s in tests)
    result = maintenance.handler(load("scheduled"), FakeContext())
    assert result["versions_after"] < result["versions_before"]
    assert store.count(doc_id="maint") == 0
