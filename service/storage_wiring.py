"""The storage half of the wiring (``service.wiring`` builds the rest from it): the light
adapters for each mode (registry, blobs, queue, notifier, metrics and usage), and the AWS
adapters the WebSocket Lambdas use on their own. Nothing here imports LanceDB or LlamaIndex."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.config import Mode, Settings
from service.ports import BlobStore, JobQueue, Notifier, Registry
from service.telemetry import NullRecorder, Recorder

if TYPE_CHECKING:
    from service.adapters.apigw_notifier import ApiGatewayNotifier
    from service.adapters.dynamo_connections import DynamoConnections
    from service.adapters.dynamo_limits import DynamoPersonLimits
    from service.adapters.notifier import InProcessNotifier
    from service.adapters.prometheus_metrics import PrometheusRecorder
    from service.adapters.s3_blob import S3BlobStore
    from service.adapters.sqlite_queue import SqliteJobQueue
    from service.usage import UsageStore


@dataclass(frozen=True)
class AwsEdges:
    """The AWS adapters whose features go beyond their ports (typed, so no downcasts)."""

    connections: DynamoConnections  # cancel flags of running answers
    notifier: ApiGatewayNotifier  # sends to one connection, not only to an owner
    blobs: S3BlobStore  # presigned upload targets


@dataclass(frozen=True)
class Storage:
    """The light adapters: registry, blobs, queue and notifier (no LanceDB, no LlamaIndex)."""

    settings: Settings
    registry: Registry
    blobs: BlobStore
    queue: JobQueue
    notifier: Notifier
    aws: AwsEdges | None = None  # set on AWS
    local_queue: SqliteJobQueue | None = None  # the durable queue the local worker drains
    hub: InProcessNotifier | None = None  # local: the notifier the WebSocket hub subscribes to
    # observability (issue 16): what chat and ingestion report to, and the local /metrics
    recorder: Recorder = field(default_factory=NullRecorder)
    prometheus: PrometheusRecorder | None = None
    usage: UsageStore | None = None  # per-person daily usage (GET /usage)


def aws_connections(settings: Settings, dynamodb: Any = None) -> DynamoConnections:
    """The WebSocket connections table (boto3 is imported here, not at module import)."""
    from service.adapters.aws_clients import lazy_client
    from service.adapters.dynamo_connections import DynamoConnections

    return DynamoConnections(
        settings.connections_table,
        dynamodb or lazy_client(settings, "dynamodb"),
        ttl_s=settings.connection_ttl_s,
    )


def aws_person_limits(settings: Settings, dynamodb: Any = None) -> DynamoPersonLimits:
    """Per-person limits on AWS: leases in the connections table (issue 13)."""
    from service.adapters import dynamo_limits as dl
    from service.adapters.aws_clients import lazy_client

    return dl.DynamoPersonLimits(
        settings.connections_table,
        dynamodb or lazy_client(settings, "dynamodb"),
        limits={
            dl.QUESTIONS: settings.max_questions_per_user,
            dl.CONNECTIONS: settings.max_connections_per_user,
        },
        lease_s={
            dl.QUESTIONS: settings.question_lease_s,
            dl.CONNECTIONS: settings.connection_ttl_s,
        },
    )


def aws_notifier(settings: Settings, connections: DynamoConnections) -> ApiGatewayNotifier:
    """Sends events to WebSocket connections through API Gateway's management API."""
    from service.adapters.apigw_notifier import ApiGatewayNotifier
    from service.adapters.aws_clients import lazy_client

    management = lazy_client(
        settings,
        "apigatewaymanagementapi",
        endpoint_url=settings.ws_management_url or settings.aws_endpoint_url,
    )
    return ApiGatewayNotifier(connections, management)


def aws_storage(settings: Settings) -> Storage:
    """DynamoDB registry, S3 blobs, SQS jobs and the API Gateway notifier."""
    from service.adapters.aws_clients import lazy_client
    from service.adapters.dynamo_registry import DynamoRegistry
    from service.adapters.s3_blob import S3BlobStore
    from service.adapters.sqs_queue import SqsJobQueue

    dynamodb = lazy_client(settings, "dynamodb")
    connections = aws_connections(settings, dynamodb)
    notifier = aws_notifier(settings, connections)
    blobs = S3BlobStore(settings.documents_bucket, lazy_client(settings, "s3"))
    usage = _aws_usage(settings, dynamodb)
    return Storage(
        settings=settings,
        registry=DynamoRegistry(settings.registry_table, dynamodb),
        blobs=blobs,
        queue=SqsJobQueue(settings.ingest_queue_url, lazy_client(settings, "sqs")),
        notifier=notifier,
        aws=AwsEdges(connections=connections, notifier=notifier, blobs=blobs),
        recorder=_with_usage(aws_recorder(), usage),
        usage=usage,
    )


def local_storage(settings: Settings) -> Storage:
    """SQLite registry and durable queue, a directory of blobs, the in-process notifier."""
    from service.adapters.local_blob import LocalBlobStore
    from service.adapters.notifier import InProcessNotifier
    from service.adapters.sqlite_db import SqliteDb
    from service.adapters.sqlite_queue import SqliteJobQueue
    from service.adapters.sqlite_registry import SqliteRegistry
    from service.private_files import make_private

    make_private(settings.data_dir)
    db = SqliteDb(settings.sqlite_path)
    queue = SqliteJobQueue(
        db,
        visibility_timeout_s=settings.queue_visibility_timeout_s,
        max_receives=settings.queue_max_receives,
    )
    hub = InProcessNotifier()
    prometheus = local_prometheus()
    usage = _local_usage(settings, db)
    return Storage(
        settings=settings,
        registry=SqliteRegistry(db),
        blobs=LocalBlobStore(settings.blob_dir),
        queue=queue,
        notifier=hub,
        local_queue=queue,
        hub=hub,
        recorder=_with_usage(prometheus or NullRecorder(), usage),
        prometheus=prometheus,
        usage=usage,
    )


def _local_usage(settings: Settings, db: Any) -> UsageStore | None:
    from service.adapters.sqlite_usage import SqliteUsageStore

    return SqliteUsageStore(db) if settings.usage_enabled else None


def _aws_usage(settings: Settings, dynamodb: Any) -> UsageStore | None:
    from service.adapters.dynamo_usage import DynamoUsageStore

    if not settings.usage_enabled:
        return None
    return DynamoUsageStore(settings.connections_table, dynamodb)


def _with_usage(recorder: Recorder, usage: UsageStore | None) -> Recorder:
    """``recorder``, plus per-person usage counting when a usage store is configured."""
    if usage is None:
        return recorder
    from service.telemetry import FanOut
    from service.usage import UsageRecorder

    return FanOut((recorder, UsageRecorder(usage)))


def aws_recorder() -> Recorder:
    """CloudWatch embedded metrics through Powertools (published by the Lambda handler)."""
    from service.adapters.emf_metrics import EmfRecorder

    return EmfRecorder()


def local_prometheus() -> PrometheusRecorder | None:
    """Prometheus series for the local server's ``/metrics`` (None without the library)."""
    try:
        from service.adapters.prometheus_metrics import PrometheusRecorder
    except ImportError:  # a slim install: no /metrics, everything else works
        return None
    return PrometheusRecorder()


def build_storage(settings: Settings) -> Storage:
    """The storage adapters for ``settings.mode``."""
    return aws_storage(settings) if settings.mode is Mode.AWS else local_storage(settings)
