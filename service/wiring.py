"""The one place that picks adapters: ``build_services(settings)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from service.adapters.local_blob import LocalBlobStore
from service.adapters.notifier import InProcessNotifier
from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_queue import SqliteJobQueue
from service.adapters.sqlite_registry import SqliteRegistry
from service.catalog import active_table_name
from service.chat import ChatService
from service.config import Mode, Settings
from service.documents import DocumentService, Quota
from service.ingestion import IngestLimits, Ingestor, ParseFn
from service.ports import BlobStore, JobQueue, Notifier, Registry
from service.private_files import make_private
from service.providers import build_answerer, build_embedding
from service.retrieval import FusionWeights
from service.sandbox import shared_sandbox
from service.vectors import ChunkStore, connect, open_table
from service.worker import Worker


@dataclass(frozen=True)
class Services:
    """Everything the edges (CLI, servers, handlers, notebooks) use."""

    settings: Settings
    registry: Registry
    blobs: BlobStore
    queue: JobQueue
    notifier: Notifier
    store: ChunkStore
    embed_model: BaseEmbedding
    documents: DocumentService
    ingestor: Ingestor
    chat: ChatService
    worker: Worker | None  # the local durable-queue worker (None on AWS: SQS drives Lambda)


def open_store(settings: Settings, embed_model_id: str, dim: int) -> ChunkStore:
    """The active vector table of the database named by settings."""
    db = open_db(settings)
    name = active_table_name(db, settings.table_name)
    return ChunkStore(open_table(db, name, model_id=embed_model_id, dim=dim))


def open_db(settings: Settings) -> Any:
    """The LanceDB connection named by settings (local path, or s3:// on AWS)."""
    uri = settings.resolved_lancedb_uri
    options = None
    if uri.startswith("s3://"):
        from service.adapters.aws_clients import lancedb_storage_options

        options = lancedb_storage_options(settings)
    return connect(
        uri, storage_options=options, read_consistency_s=settings.lancedb_read_consistency_s
    )


def aws_adapters(settings: Settings) -> tuple[Registry, BlobStore, JobQueue, Notifier]:
    """DynamoDB registry, S3 blobs, SQS jobs and the API Gateway notifier (boto3 imported
    lazily, so local mode never loads it)."""
    from service.adapters.apigw_notifier import ApiGatewayNotifier
    from service.adapters.aws_clients import aws_client
    from service.adapters.dynamo_connections import DynamoConnections
    from service.adapters.dynamo_registry import DynamoRegistry
    from service.adapters.s3_blob import S3BlobStore
    from service.adapters.sqs_queue import SqsJobQueue

    dynamodb = aws_client(settings, "dynamodb")
    connections = DynamoConnections(
        settings.connections_table, dynamodb, ttl_s=settings.connection_ttl_s
    )
    management = aws_client(
        settings,
        "apigatewaymanagementapi",
        endpoint_url=settings.ws_management_url or settings.aws_endpoint_url,
    )
    return (
        DynamoRegistry(settings.registry_table, dynamodb),
        S3BlobStore(settings.documents_bucket, aws_client(settings, "s3")),
        SqsJobQueue(settings.ingest_queue_url, aws_client(settings, "sqs")),
        ApiGatewayNotifier(connections, management),
    )


def _parser(settings: Settings) -> ParseFn | None:
    """Isolated parsing locally; on Lambda the invocation itself is the sandbox (and
    multiprocessing lacks /dev/shm there)."""
    if settings.mode is Mode.AWS or not settings.parse_isolation:
        return None
    sandbox = shared_sandbox(settings.parse_timeout_s, settings.parse_memory_mb)
    return lambda data, doc_type, max_pages: sandbox.parse(data, doc_type, max_pages=max_pages)


def storage_adapters(settings: Settings) -> tuple[Registry, BlobStore, JobQueue, Notifier]:
    """Registry, blob store, job queue and notifier for ``settings.mode``."""
    if settings.mode is Mode.AWS:
        return aws_adapters(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = SqliteDb(settings.sqlite_path)
    queue = SqliteJobQueue(
        db,
        visibility_timeout_s=settings.queue_visibility_timeout_s,
        max_receives=settings.queue_max_receives,
    )
    return SqliteRegistry(db), LocalBlobStore(settings.blob_dir), queue, InProcessNotifier()


def build_services(
    settings: Settings,
    *,
    embed_model: BaseEmbedding | None = None,
    embed_model_id: str | None = None,
) -> Services:
    """Wire the services for ``settings.mode`` (``embed_model`` lets tests share one model)."""
    if settings.mode is Mode.LOCAL:
        make_private(settings.data_dir)
    if embed_model is None:
        embed_model, embed_model_id, dim = build_embedding(settings)
    else:
        dim = len(embed_model.get_text_embedding("dimension probe"))
        embed_model_id = embed_model_id or embed_model.model_name
    store = open_store(settings, embed_model_id, dim)
    registry, blobs, queue, notifier = storage_adapters(settings)
    ingestor = Ingestor(
        registry=registry,
        blobs=blobs,
        store=store,
        embed_model=embed_model,
        notifier=notifier,
        limits=IngestLimits(
            max_bytes=settings.max_upload_bytes,
            max_pages=settings.max_pages,
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
        ),
        parse_fn=_parser(settings),
    )
    chat = ChatService(
        store=store,
        embed_model=embed_model,
        answerer=build_answerer(settings, embed_model),
        top_k=settings.top_k,
        candidates=settings.candidates,
        weights=FusionWeights(
            settings.fusion_vector_weight, settings.fusion_text_weight, settings.fusion_rrf_k
        ),
        max_question_chars=settings.max_question_chars,
        max_history_turns=settings.max_history_turns,
    )
    return Services(
        settings=settings,
        registry=registry,
        blobs=blobs,
        queue=queue,
        notifier=notifier,
        store=store,
        embed_model=embed_model,
        documents=DocumentService(
            registry=registry,
            blobs=blobs,
            queue=queue,
            store=store,
            max_bytes=settings.max_upload_bytes,
            quota=Quota(
                documents=settings.max_documents_per_user,
                bytes=settings.max_bytes_per_user,
                upload_deadline_s=settings.upload_url_ttl_s + settings.upload_grace_s,
            ),
        ),
        ingestor=ingestor,
        chat=chat,
        worker=(
            Worker(queue, ingestor, max_receives=settings.queue_max_receives)
            if isinstance(queue, SqliteJobQueue)
            else None
        ),
    )
