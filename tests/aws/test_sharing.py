"""Sharing with Cognito groups on the AWS path (issue 15), on moto: the group claim of the access
token reaches the WebSocket authorizer's context, the chat worker and the admin API; the
DynamoDB registry's share items decide what a member reads; others get 403/404."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

import jwt
import pytest

from handlers.aws import ingest, ws_authorizer, ws_connection, ws_message
from service.models import DocumentStatus
from tests.aws.bedrock_server import BedrockServer
from tests.aws.conftest import PASSWORD, FakeContext, Stack
from tests.aws.lambda_events import drain, load, posted_frames, ws_event
from tests.aws.test_cognito import claims, identity, pool_key
from tests.aws.test_e2e import api, status_of, upload

NOTE = (
    "Crew rota for the survey ship. The lifeboat drill is held every second Tuesday at the "
    "starboard muster station, led by bosun Philippa Quarrington."
)
QUESTION = "When is the lifeboat drill held and who leads it?"
ANSWER = "The drill is every second Tuesday [1]."


def member_token(stack: Stack, user: str, groups: list[str]) -> str:
    """A new Cognito user in ``groups``; its access token (moto adds ``cognito:groups``)."""
    idp = stack.aws("cognito-idp")
    for group in groups:
        with contextlib.suppress(idp.exceptions.GroupExistsException):
            idp.create_group(GroupName=group, UserPoolId=stack.pool_id)
    idp.admin_create_user(UserPoolId=stack.pool_id, Username=user, TemporaryPassword=PASSWORD)
    idp.admin_set_user_password(
        UserPoolId=stack.pool_id, Username=user, Password=PASSWORD, Permanent=True
    )
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=stack.pool_id, Username=user, GroupName=group)
    auth = idp.admin_initiate_auth(
        UserPoolId=stack.pool_id,
        ClientId=stack.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    return str(auth["AuthenticationResult"]["AccessToken"])


def connect(token: str) -> tuple[str, dict[str, str]]:
    """``$connect`` through the real authorizer; the connection id and its context."""
    event = load("ws_authorizer_request")
    event["queryStringParameters"]["token"] = token
    context = ws_authorizer.handler(event, FakeContext())["context"]
    connection_id = f"conn-{uuid.uuid4().hex[:8]}"
    connect_event = ws_event("ws_connect", connection_id, context["user_id"])
    assert ws_connection.handler(connect_event, FakeContext()) == {"statusCode": 200}
    return connection_id, context


def ask(connection_id: str, context: dict[str, str], request_id: str, **extra: Any) -> list[str]:
    """Ask through the ``ask`` route with the authorizer's context; the cited doc ids."""
    event = ws_event(
        "ws_message",
        connection_id,
        context["user_id"],
        {"action": "ask", "request_id": request_id, "question": QUESTION, **extra},
    )
    event["requestContext"]["authorizer"].update(context)
    before = len(posted_frames(connection_id))
    assert ws_message.handler(event, FakeContext()) == {"statusCode": 200}
    frames = posted_frames(connection_id)[before:]
    assert frames[-1]["type"] == "done", frames[-1]
    return [s["doc_id"] for f in frames if f["type"] == "sources" for s in f["sources"]]


@pytest.fixture(scope="module")
def shared_note(stack: Stack, bedrock: BedrockServer) -> str:
    doc_id = upload(stack, "bob", "crew-rota.txt", NOTE.encode())
    assert (
        drain(stack, ingest.handler, until=lambda: status_of(doc_id) is DocumentStatus.INDEXED)
        == []
    )
    status, body = api(
        "PUT", f"/documents/{doc_id}/sharing", stack.tokens["bob"], {"groups": ["crew"]}
    )
    assert (status, body["shared_with"]) == (200, ["crew"])
    return doc_id


def test_a_group_member_is_answered_from_the_shared_document(
    stack: Stack, bedrock: BedrockServer, shared_note: str
) -> None:
    carol = member_token(stack, f"carol-{uuid.uuid4().hex[:6]}", ["crew"])
    connection_id, context = connect(carol)
    assert context["groups"] == "crew"
    bedrock.replies = [ANSWER]
    assert shared_note in ask(connection_id, context, "c1")
    assert "Quarrington" in json.dumps(bedrock.calls("converse-stream")[-1]["body"])

    status, page = api("GET", "/documents?scope=shared", carol)
    assert status == 200 and [(d["doc_id"], d["owner"]) for d in page["items"]] == [
        (shared_note, stack.subs["bob"])
    ]
    assert api("GET", f"/documents/{shared_note}", carol)[0] == 200
    for method, path in (("DELETE", ""), ("POST", "/reindex")):
        assert api(method, f"/documents/{shared_note}{path}", carol)[0] == 403
    assert api("PUT", f"/documents/{shared_note}/sharing", carol, {"groups": []})[0] == 403

    # alice (no group) and dave (another group) never get it, nor learn it exists
    dave = member_token(stack, f"dave-{uuid.uuid4().hex[:6]}", ["deck"])
    for token in (stack.tokens["alice"], dave):
        other_id, other_context = connect(token)
        bedrock.replies = [ANSWER, ANSWER]
        seen = len(bedrock.calls("converse-stream"))
        assert shared_note not in ask(other_id, other_context, "o1", doc_ids=[shared_note])
        assert shared_note not in ask(other_id, other_context, "o2")
        prompts = json.dumps([c["body"] for c in bedrock.calls("converse-stream")[seen:]])
        assert "Quarrington" not in prompts
        assert api("GET", f"/documents/{shared_note}", token)[0] == 404
        assert api("DELETE", f"/documents/{shared_note}", token)[0] == 404

    # removed from the group: her next question on the same connection (same token) misses it
    idp = stack.aws("cognito-idp")
    username = context["username"]
    idp.admin_remove_user_from_group(UserPoolId=stack.pool_id, Username=username, GroupName="crew")
    bedrock.replies = [ANSWER]
    assert shared_note not in ask(connection_id, context, "c-left")
    idp.admin_add_user_to_group(UserPoolId=stack.pool_id, Username=username, GroupName="crew")
    bedrock.replies = [ANSWER]
    assert shared_note in ask(connection_id, context, "c-back")

    # unsharing takes effect on carol's next question, on the same connection
    assert (
        api("PUT", f"/documents/{shared_note}/sharing", stack.tokens["bob"], {"groups": []})[0]
        == 200
    )
    bedrock.replies = [ANSWER]
    assert shared_note not in ask(connection_id, context, "c2")
    assert api("GET", f"/documents/{shared_note}", carol)[0] == 404


def test_hostile_group_claims_grant_nothing(stack: Stack) -> None:
    hostile = ["crew') OR (owner IS NOT NULL", "x' OR '1'='1", "a,b", "", 7]
    token = jwt.encode(
        claims(stack, **{"cognito:groups": [*hostile, "deck"]}),
        pool_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    assert identity(stack).verify(token).groups == {"deck"}


def test_a_user_disabled_while_connected_is_refused_on_the_next_question(
    stack: Stack, bedrock: BedrockServer
) -> None:
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    name = f"erin-{uuid.uuid4().hex[:6]}"
    connection_id, context = connect(member_token(stack, name, []))
    stack.aws("cognito-idp").admin_disable_user(UserPoolId=stack.pool_id, Username=name)
    bedrock.replies = [ANSWER]
    seen = len(bedrock.calls("converse-stream"))
    event = ws_event(
        "ws_message",
        connection_id,
        context["user_id"],
        {"action": "ask", "request_id": "d1", "question": QUESTION},
    )
    event["requestContext"]["authorizer"].update(context)
    assert ws_message.handler(event, FakeContext()) == {"statusCode": 200}
    assert len(bedrock.calls("converse-stream")) == seen  # nothing was answered
    # the worker closed the connection (moto forgets a deleted connection and its frames)
    backend = apigatewaymanagementapi_backends["123456789012"]["us-east-1"]
    assert connection_id not in backend.connections
