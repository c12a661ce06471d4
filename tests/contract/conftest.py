"""Port contract fixtures: every adapter of a port runs the same tests.

To add an adapter, define a fixture that returns it (fresh and empty per test) and append the
fixture's name to the matching list below.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from service.adapters.local_blob import LocalBlobStore
from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_queue import SqliteJobQueue
from service.adapters.sqlite_registry import SqliteRegistry

BLOB_STORES = ["local_blob_store", "s3_blob_store"]
REGISTRIES = ["sqlite_registry", "dynamo_registry"]
QUEUES = ["sqlite_queue", "sqs_queue"]
CONVERSATION_STORES = ["sqlite_conversations", "dynamo_conversations"]
RETENTION = timedelta(days=90)

# Small timeouts so redelivery is observable quickly; every queue adapter is built with these.
VISIBILITY_TIMEOUT_S = 1
MAX_RECEIVES = 2


@pytest.fixture
def local_blob_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> SqliteRegistry:
    return SqliteRegistry(SqliteDb(tmp_path / "registry.sqlite3"))


@pytest.fixture
def sqlite_queue(tmp_path: Path) -> SqliteJobQueue:
    return SqliteJobQueue(
        SqliteDb(tmp_path / "queue.sqlite3"),
        visibility_timeout_s=VISIBILITY_TIMEOUT_S,
        max_receives=MAX_RECEIVES,
    )


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3_blob_store(aws: Callable[[str], Any]) -> object:
    from service.adapters.s3_blob import S3BlobStore

    s3 = aws("s3")
    bucket = _unique("blobs")
    s3.create_bucket(Bucket=bucket)
    return S3BlobStore(bucket, s3)


@pytest.fixture
def dynamo_registry(aws: Callable[[str], Any]) -> object:
    from service.adapters.dynamo_registry import DynamoRegistry
    from service.adapters.dynamo_schema import registry_table_definition

    dynamodb = aws("dynamodb")
    table = _unique("registry")
    dynamodb.create_table(**registry_table_definition(table))
    return DynamoRegistry(table, dynamodb)


@pytest.fixture
def sqs_queue(aws: Callable[[str], Any]) -> object:
    from service.adapters.sqs_queue import SqsJobQueue

    sqs = aws("sqs")
    name = _unique("jobs")
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_S),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    return SqsJobQueue(url, sqs)


@pytest.fixture(params=BLOB_STORES)
def blob_store(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)


@pytest.fixture(params=REGISTRIES)
def registry(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)


@pytest.fixture(params=QUEUES)
def job_queue(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)


# --- notifier and identity: a port method alone cannot show what was delivered or issued, so
# each adapter comes with a small harness that does what the edges around it do.

NOTIFIERS = ["in_process_notifier", "api_gateway_notifier"]
IDENTITIES = ["local_identity", "cognito_identity"]


class InProcessHarness:
    """The local server's side: a WebSocket connection is a subscription to the hub."""

    def __init__(self) -> None:
        from service.adapters.notifier import InProcessNotifier

        self.notifier = InProcessNotifier()
        self._frames: dict[str, list[dict[str, Any]]] = {}
        self._unsubscribe: dict[str, Callable[[], None]] = {}

    def connect(self, owner: str) -> str:
        connection = _unique("conn")
        frames = self._frames.setdefault(connection, [])
        self._unsubscribe[connection] = self.notifier.subscribe(
            owner, lambda event: frames.append(event.model_dump(mode="json"))
        )
        return connection

    def disconnect(self, connection: str) -> None:
        self._unsubscribe.pop(connection)()

    def received(self, connection: str) -> list[dict[str, Any]]:
        return self._frames[connection]


class ApiGatewayHarness:
    """The AWS side: ``$connect`` records the connection; frames land in moto's API Gateway."""

    def __init__(self, aws: Callable[[str], Any]) -> None:
        from service.adapters.apigw_notifier import ApiGatewayNotifier
        from service.adapters.dynamo_connections import DynamoConnections
        from service.adapters.dynamo_schema import create_tables

        dynamodb, table = aws("dynamodb"), _unique("connections")
        create_tables(dynamodb, registry_table=_unique("registry"), connections_table=table)
        self.connections = DynamoConnections(table, dynamodb)
        self.notifier = ApiGatewayNotifier(self.connections, aws("apigatewaymanagementapi"))

    def connect(self, owner: str) -> str:
        connection = _unique("conn")
        self.connections.add(connection, owner)
        return connection

    def disconnect(self, connection: str) -> None:
        self.connections.remove(connection)

    def received(self, connection: str) -> list[dict[str, Any]]:
        from tests.aws.lambda_events import posted_frames

        try:
            return posted_frames(connection)
        except KeyError:  # moto knows a connection only once something was posted to it
            return []


@pytest.fixture
def in_process_notifier() -> InProcessHarness:
    return InProcessHarness()


@pytest.fixture
def api_gateway_notifier(aws: Callable[[str], Any]) -> ApiGatewayHarness:
    return ApiGatewayHarness(aws)


@pytest.fixture(params=NOTIFIERS)
def notifier_harness(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)


class LocalIdentityHarness:
    """Tokens the local server's dev sign-in issues."""

    def __init__(self, tmp_path: Path) -> None:
        from service.adapters.local_identity import LocalIdentity, load_or_create_secret

        secret = load_or_create_secret(tmp_path / "secret")
        self.identity = LocalIdentity(
            secret, issuer="rag-local", client_id="rag-web", admins={"root"}
        )

    def token(self, user: str, *, admin: bool = False) -> tuple[str, str]:
        """An access token of ``user`` and the user id it must verify to."""
        assert admin == (user == "root"), "admins are configured: only root"
        return self.identity.issue(user), user


class CognitoHarness:
    """Access tokens of users signed in to a (moto) Cognito user pool."""

    def __init__(self, aws: Callable[[str], Any], endpoint: str) -> None:
        from service.adapters.cognito_identity import CognitoIdentity

        self._idp = aws("cognito-idp")
        self._pool = self._idp.create_user_pool(PoolName=_unique("pool"))["UserPool"]["Id"]
        self._client = self._idp.create_user_pool_client(
            UserPoolId=self._pool, ClientName="web", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        self._idp.create_group(GroupName="admins", UserPoolId=self._pool)
        self.identity = CognitoIdentity(
            region="us-east-1",
            user_pool_id=self._pool,
            client_id=self._client,
            jwks_url=f"{endpoint}/{self._pool}/.well-known/jwks.json",
        )

    def token(self, user: str, *, admin: bool = False) -> tuple[str, str]:
        """An access token of ``user`` and the user id it must verify to (Cognito's sub)."""
        from tests.aws.conftest import sign_up

        return sign_up(self._idp, self._pool, self._client, user, admin=admin)


@pytest.fixture
def local_identity(tmp_path: Path) -> LocalIdentityHarness:
    return LocalIdentityHarness(tmp_path)


@pytest.fixture
def cognito_identity(aws: Callable[[str], Any], moto_endpoint: str) -> CognitoHarness:
    return CognitoHarness(aws, moto_endpoint)


@pytest.fixture(params=IDENTITIES)
def identity_harness(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)


# --- conversations (issue 15) ------------------------------------------------------------------


@pytest.fixture
def sqlite_conversations(tmp_path: Path) -> object:
    from service.adapters.sqlite_conversations import SqliteConversations

    return SqliteConversations(SqliteDb(tmp_path / "conversations.sqlite3"), retention=RETENTION)


@pytest.fixture
def dynamo_conversations(aws: Callable[[str], Any]) -> object:
    from service.adapters.dynamo_conversations import DynamoConversations
    from service.adapters.dynamo_schema import create_conversations_table

    dynamodb = aws("dynamodb")
    table = _unique("conversations")
    create_conversations_table(dynamodb, table)
    return DynamoConversations(table, dynamodb, retention=RETENTION)


@pytest.fixture(params=CONVERSATION_STORES)
def conversations(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)
