"""The one place that picks adapters: ``build_services(settings)``."""

from __future__ import annotations

from dataclasses import dataclass

from llama_index.core.base.embeddings.base import BaseEmbedding

from service.adapters.local_blob import LocalBlobStore
from service.adapters.notifier import InProcessNotifier
from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_queue import SqliteJobQueue
from service.adapters.sqlite_registry import SqliteRegistry
from service.chat import ChatService
from service.config import Mode, Settings
from service.documents import DocumentService
from service.errors import Unavailable
from service.ingestion import IngestLimits, Ingestor
from service.ports import BlobStore, JobQueue, Notifier, Registry
from service.providers import build_answerer, build_embedding
from service.retrieval import FusionWeights
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
    """The vector store named by settings (local path, or s3:// on AWS)."""
    db = connect(settings.resolved_lancedb_uri)
    return ChunkStore(open_table(db, settings.table_name, model_id=embed_model_id, dim=dim))


def build_services(
    settings: Settings,
    *,
    embed_model: BaseEmbedding | None = None,
    embed_model_id: str | None = None,
) -> Services:
    """Wire the services for ``settings.mode`` (``embed_model`` lets tests share one model)."""
    if settings.mode is not Mode.LOCAL:
        raise Unavailable("RAG_MODE=aws is not available in this build yet")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if embed_model is None:
        embed_model, embed_model_id, dim = build_embedding(settings)
    else:
        dim = len(embed_model.get_text_embedding("dimension probe"))
        embed_model_id = embed_model_id or embed_model.model_name
    store = open_store(settings, embed_model_id, dim)
    db = SqliteDb(settings.sqlite_path)
    registry = SqliteRegistry(db)
    blobs = LocalBlobStore(settings.blob_dir)
    queue = SqliteJobQueue(
        db,
        visibility_timeout_s=settings.queue_visibility_timeout_s,
        max_receives=settings.queue_max_receives,
    )
    notifier = InProcessNotifier()
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
        ),
        ingestor=ingestor,
        chat=chat,
        worker=Worker(queue, ingestor, max_receives=settings.queue_max_receives),
    )
