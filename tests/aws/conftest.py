"""The AWS path's test stack: one moto server (session, from tests/conftest.py), one Bedrock
test server, and one set of resources (buckets, queues with DLQ, tables, a Cognito pool with
users) that the Lambda handlers find through ``RAG_*`` environment variables."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from service.adapters.dynamo_schema import create_tables
from service.config import Mode, Settings, env_name, get_settings
from service.embeddings import MiniLMEmbedding
from tests.aws.bedrock_server import BedrockServer
from tests.conftest import MOTO_ENV

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_DEV", "0")

PASSWORD = "Correct-Horse-9-battery"
MAX_RECEIVES = 3
VISIBILITY_S = 1
CATALOG_CHECK_S = 0.5  # warm handlers look for a switched table this often


@dataclass
class Stack:
    """Names and clients of the session's AWS resources."""

    endpoint: str
    aws: Callable[[str], Any]
    env: dict[str, Any]
    queue_url: str
    queue_arn: str
    dlq_url: str
    pool_id: str
    client_id: str
    tokens: dict[str, str] = field(default_factory=dict)  # username -> access token
    subs: dict[str, str] = field(default_factory=dict)  # username -> sub (the user id)

    def settings(self, **overrides: Any) -> Settings:
        return Settings(**{**self.env, **overrides})


@dataclass
class FakeContext:
    """What Powertools reads from a Lambda context."""

    function_name: str = "rag-test"
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:rag-test"
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture(scope="session", autouse=True)
def _fake_credentials() -> None:
    """boto3 signs every request; loopback servers accept any credentials."""
    for name, value in MOTO_ENV.items():
        os.environ.setdefault(name, value)


@pytest.fixture(scope="session")
def bedrock(embed_model: MiniLMEmbedding) -> Iterator[BedrockServer]:
    """The Bedrock runtime test server (MiniLM embeddings, scripted chat)."""
    server = BedrockServer(embed_model.embed).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset_bedrock(request: pytest.FixtureRequest) -> None:
    if "bedrock" in request.fixturenames:
        request.getfixturevalue("bedrock").reset()


def _queues(sqs: Any, name: str) -> tuple[str, str, str]:
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    redrive = {
        "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
        "maxReceiveCount": str(MAX_RECEIVES),
    }
    url = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": str(VISIBILITY_S), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"], dlq_url


def _cognito(aws: Callable[[str], Any], stack_users: list[str]) -> tuple[str, str, dict, dict]:
    idp = aws("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="rag-users")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.create_group(GroupName="admins", UserPoolId=pool_id)
    tokens, subs = {}, {}
    for user in stack_users:
        tokens[user], subs[user] = sign_up(idp, pool_id, client_id, user, admin=user == "root")
    return pool_id, client_id, tokens, subs


def sign_up(idp: Any, pool_id: str, client_id: str, user: str, *, admin: bool) -> tuple[str, str]:
    """Create a confirmed user; return its access token and sub."""
    idp.admin_create_user(UserPoolId=pool_id, Username=user, TemporaryPassword=PASSWORD)
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=user, Password=PASSWORD, Permanent=True
    )
    if admin:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="admins")
    auth = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    attrs = idp.admin_get_user(UserPoolId=pool_id, Username=user)["UserAttributes"]
    sub = next(a["Value"] for a in attrs if a["Name"] == "sub")
    return auth["AccessToken"], sub


@pytest.fixture(scope="session")
def stack(moto_endpoint: str, aws: Callable[[str], Any], bedrock: BedrockServer) -> Stack:
    """Every resource, and the handlers' environment pointing at them."""
    s3, suffix = aws("s3"), uuid.uuid4().hex[:8]
    docs_bucket, vectors_bucket = f"rag-docs-{suffix}", f"rag-vectors-{suffix}"
    s3.create_bucket(Bucket=docs_bucket)
    s3.create_bucket(Bucket=vectors_bucket)
    queue_url, queue_arn, dlq_url = _queues(aws("sqs"), f"rag-ingest-{suffix}")
    s3.put_bucket_notification_configuration(
        Bucket=docs_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "documents/"}]}},
                }
            ]
        },
    )
    create_tables(
        aws("dynamodb"),
        registry_table=f"docs-{suffix}",
        connections_table=f"conns-{suffix}",
        conversations_table=f"convs-{suffix}",
    )
    pool_id, client_id, tokens, subs = _cognito(aws, ["alice", "bob", "root"])
    env = {
        "mode": Mode.AWS,
        "aws_endpoint_url": moto_endpoint,
        "documents_bucket": docs_bucket,
        "lancedb_uri": f"s3://{vectors_bucket}/lancedb",
        "lancedb_allow_http": True,
        "registry_table": f"docs-{suffix}",
        "connections_table": f"conns-{suffix}",
        "conversations_table": f"convs-{suffix}",
        "ingest_queue_url": queue_url,
        "queue_max_receives": MAX_RECEIVES,
        "ws_management_url": moto_endpoint,
        "chat_dispatch": "inline",
        "cognito_user_pool_id": pool_id,
        "cognito_client_id": client_id,
        "cognito_jwks_url": f"{moto_endpoint}/{pool_id}/.well-known/jwks.json",
        "embed_provider": "bedrock-titan",
        "bedrock_endpoint_url": bedrock.url,
        "bedrock_embed_dimensions": 512,
        "bedrock_max_attempts": 3,
        "llm_provider": "bedrock",
        "llm_max_tokens": 700,
        "maintenance_retention_s": 0,
        "catalog_check_s": CATALOG_CHECK_S,
    }
    return Stack(
        moto_endpoint, aws, env, queue_url, queue_arn, dlq_url, pool_id, client_id, tokens, subs
    )


@pytest.fixture(scope="module", autouse=True)
def handler_environment(stack: Stack) -> Iterator[None]:
    """The handlers' ``RAG_*`` environment, set for the tests of this directory only (a
    session-wide change would switch every later test of the run to AWS mode)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in stack.env.items():
            patch.setenv(env_name(key), str(getattr(value, "value", value)))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()
