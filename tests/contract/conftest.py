"""Port contract fixtures: every adapter of a port runs the same tests.

To add an adapter, define a fixture that returns it (fresh and empty per test) and append the
fixture's name to the matching list below.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
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
