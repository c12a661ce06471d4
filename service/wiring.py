"""The one place that picks adapters: ``build_services(settings)``.

Cheap to import and cheap to call: the storage adapters (registry, blobs, queue, notifier) are
made at once, while the heavy parts (the LanceDB table, the embedding model, ingestion and
chat, which import LanceDB and LlamaIndex) are built on first use. So ``rag docs list`` or the
admin API's list route never load them. The light adapters come from ``service.storage_wiring``,
which the WebSocket Lambdas (needing even less) use on their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.config import Mode, Settings
from service.ports import BlobStore, ConversationStore, Identity, JobQueue, Notifier, Registry
from service.storage_wiring import AwsEdges, Storage, build_storage

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from service.adapters.local_identity import LocalIdentity
    from service.adapters.notifier import InProcessNotifier
    from service.answer import Answerer
    from service.chat import ChatService
    from service.conversations import ConversationService
    from service.documents import DocumentService
    from service.ingestion import Ingestor, ParseFn
    from service.maintenance import MaintenanceReport
    from service.vectors import ChunkStore
    from service.worker import Worker

AnswererFactory = Callable[[Settings, "BaseEmbedding"], "Answerer"]

if TYPE_CHECKING:
    from llama_index.core.chat_engine.types import BaseChatEngine
    from llama_index.core.query_engine import RetrieverQueryEngine

    from service.retrieval import HybridRetriever


@dataclass(frozen=True)
class Heavy:
    """The parts that import LanceDB and LlamaIndex."""

    store: ChunkStore
    embed_model: BaseEmbedding
    ingestor: Ingestor
    chat: ChatService
    worker: Worker | None


@dataclass(frozen=True, eq=False)
class Services:
    """Everything the edges (CLI, servers, handlers, notebooks) use. The storage adapters and
    ``documents`` are ready; ``store``, ``embed_model``, ``ingestor``, ``chat`` and ``worker``
    are built together on first use (thread-safe), then reused."""

    storage: Storage
    documents: DocumentService
    _build: Callable[[], Heavy] = field(repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _heavy: list[Heavy] = field(default_factory=list, repr=False)
    _conversations: list[ConversationService] = field(default_factory=list, repr=False)

    @property
    def conversations(self) -> ConversationService:
        """Conversations and feedback (issue 15), built on first use: handlers that never
        touch them (uploads, the WebSocket routes) do not pay for them."""
        with self._lock:
            if not self._conversations:
                self._conversations.append(build_conversations(self.settings))
            return self._conversations[0]

    def heavy(self) -> Heavy:
        """The heavy parts, built on the first call."""
        with self._lock:
            if not self._heavy:
                self._heavy.append(self._build())
            return self._heavy[0]

    @property
    def settings(self) -> Settings:
        """The settings these services were built from."""
        return self.storage.settings

    @property
    def registry(self) -> Registry:
        """The document registry."""
        return self.storage.registry

    @property
    def blobs(self) -> BlobStore:
        """The document bytes."""
        return self.storage.blobs

    @property
    def queue(self) -> JobQueue:
        """The ingestion queue."""
        return self.storage.queue

    @property
    def notifier(self) -> Notifier:
        """Status events to owners' open connections."""
        return self.storage.notifier

    @property
    def aws(self) -> AwsEdges | None:
        """The AWS-only adapter features (None locally)."""
        return self.storage.aws

    @property
    def hub(self) -> InProcessNotifier | None:
        """The local in-process notifier, for subscribers (None on AWS)."""
        return self.storage.hub

    @property
    def store(self) -> ChunkStore:
        """The active vector table."""
        return self.heavy().store

    @property
    def embed_model(self) -> BaseEmbedding:
        """The embedding model of the active table."""
        return self.heavy().embed_model

    @property
    def ingestor(self) -> Ingestor:
        """Runs ingestion jobs."""
        return self.heavy().ingestor

    @property
    def chat(self) -> ChatService:
        """Answers questions."""
        return self.heavy().chat

    @property
    def worker(self) -> Worker | None:
        """The local durable-queue worker (None on AWS: SQS drives Lambda)."""
        return None if self.storage.local_queue is None else self.heavy().worker

    def maintain(self, retention_s: float | None = None) -> MaintenanceReport:
        """One maintenance pass on the active table (``retention_s`` overrides the setting)."""
        from service.maintenance import run_maintenance

        options = self.settings.maintenance
        return run_maintenance(
            self.store,
            retention_s=options.retention_s if retention_s is None else retention_s,
            vector_index_min_rows=options.vector_index_min_rows,
            cluster_max_runs_per_owner=options.cluster_max_runs_per_owner,
        )

    # LlamaIndex's own objects on the same index, bound to one owner (service/engines.py)
    def retriever(self, owner: str, **kwargs: Any) -> HybridRetriever:
        """An owner-bound LlamaIndex retriever (``top_k``, ``doc_ids``, ``mode``)."""
        return self.chat.retriever(owner, **kwargs)

    def query_engine(self, owner: str, **kwargs: Any) -> RetrieverQueryEngine:
        """A ``RetrieverQueryEngine`` with the configured answerer (see ``engines``)."""
        from service import engines  # LlamaIndex's engines load only when asked for

        return engines.query_engine(self, owner, **kwargs)

    def chat_engine(self, owner: str, **kwargs: Any) -> BaseChatEngine:
        """A condense-plus-context chat engine with the configured LLM (see ``engines``)."""
        from service import engines  # LlamaIndex's engines load only when asked for

        return engines.chat_engine(self, owner, **kwargs)


def open_store(settings: Settings, embed_model_id: str, dim: int) -> ChunkStore:
    """The active vector table of the database named by settings."""
    from service.catalog import TableWatch, active_table_name
    from service.lance_table import open_table
    from service.live_table import FollowingChunkStore
    from service.vectors import ChunkStore

    db = open_db(settings)
    name = active_table_name(db, settings.table_name)
    table = open_table(db, name, model_id=embed_model_id, dim=dim)
    if settings.catalog_check_s > 0:  # long-running processes follow `rag reindex --all`
        watch = TableWatch(db, every_s=settings.catalog_check_s)
        return FollowingChunkStore(table, watch=watch, refine_factor=settings.vector_refine_factor)
    return ChunkStore(table, refine_factor=settings.vector_refine_factor)


def open_db(settings: Settings) -> Any:
    """The LanceDB connection named by settings (local path, or s3:// on AWS)."""
    from service.lance_table import cache_session, connect

    uri = settings.resolved_lancedb_uri
    options = None
    if uri.startswith("s3://"):
        from service.adapters.aws_clients import lancedb_storage_options

        options = lancedb_storage_options(settings)
    return connect(
        uri,
        storage_options=options,
        read_consistency_s=settings.lancedb_read_consistency_s,
        session=cache_session(settings.lancedb_index_cache_mb, settings.lancedb_metadata_cache_mb),
    )


def build_identity(settings: Settings) -> Identity:
    """Who a token belongs to: Cognito on AWS, the local server's signed tokens locally."""
    if settings.mode is Mode.AWS:
        from service.adapters.cognito_identity import cognito_identity

        return cognito_identity(settings)
    return local_identity(settings)[0]


def local_identity(settings: Settings) -> tuple[LocalIdentity, bytes]:
    """The local server's identity and its signing secret (made in the data dir on first use;
    the server signs upload URLs with it too)."""
    from service.adapters.local_identity import LocalIdentity, load_or_create_secret

    secret = load_or_create_secret(settings.resolved_secret_file)
    identity = LocalIdentity(
        secret,
        issuer=settings.token_issuer,
        client_id=settings.token_client_id,
        admins=settings.admins,
        ttl_s=settings.token_ttl_s,
        groups=settings.group_map,
    )
    return identity, secret


def build_conversations(settings: Settings) -> ConversationService:
    """The conversation store for ``settings.mode``: DynamoDB (with TTL) or local SQLite."""
    from datetime import timedelta

    from service.conversations import ConversationService, turn_settings

    retention = timedelta(days=settings.conversation_retention_days)
    store: ConversationStore
    if settings.mode is Mode.AWS:
        from service.adapters.aws_clients import lazy_client
        from service.adapters.dynamo_conversations import DynamoConversations

        store = DynamoConversations(
            settings.conversations_table, lazy_client(settings, "dynamodb"), retention=retention
        )
    else:
        from service.adapters.sqlite_conversations import SqliteConversations
        from service.adapters.sqlite_db import SqliteDb
        from service.private_files import make_private

        make_private(settings.data_dir)  # the file is the owner's only (0600), like the others
        store = SqliteConversations(SqliteDb(settings.conversations_path), retention=retention)
    return ConversationService(
        store, settings=turn_settings(settings), max_history_turns=settings.max_history_turns
    )


def parser_for(settings: Settings) -> ParseFn | None:
    """Isolated parsing locally; on Lambda the invocation itself is the sandbox (and
    multiprocessing lacks /dev/shm there). ``None`` parses in this process."""
    if settings.mode is Mode.AWS or not settings.parse_isolation:
        return None
    from service.sandbox import shared_sandbox

    sandbox = shared_sandbox(settings.parse_timeout_s, settings.parse_memory_mb)
    return lambda data, doc_type, max_pages: sandbox.parse(data, doc_type, max_pages=max_pages)


def build_services(
    settings: Settings,
    *,
    embed_model: BaseEmbedding | None = None,
    embed_model_id: str | None = None,
    answerer: AnswererFactory | None = None,
) -> Services:
    """Wire the services for ``settings.mode`` (``embed_model`` lets tests share one model;
    ``answerer`` replaces the configured answer generator)."""
    from service.documents import DocumentService, Quota

    storage = build_storage(settings)
    holder: list[Services] = []
    documents = DocumentService(
        registry=storage.registry,
        blobs=storage.blobs,
        queue=storage.queue,
        store=_LazyRows(lambda: holder[0].store),
        max_bytes=settings.max_upload_bytes,
        quota=Quota(
            documents=settings.max_documents_per_user,
            bytes=settings.max_bytes_per_user,
            upload_deadline_s=settings.upload_url_ttl_s + settings.upload_grace_s,
        ),
    )
    services = Services(
        storage=storage,
        documents=documents,
        _build=lambda: _build_heavy(storage, embed_model, embed_model_id, answerer),
    )
    holder.append(services)
    return services


class _LazyRows:
    """The vector rows ``DocumentService`` deletes, opened only when a delete happens."""

    def __init__(self, store: Callable[[], ChunkStore]) -> None:
        self._store = store

    def delete(self, ref_doc_id: str) -> None:
        """Delete every row of one document."""
        self._store().delete(ref_doc_id)


def _build_heavy(
    storage: Storage,
    embed_model: BaseEmbedding | None,
    embed_model_id: str | None,
    answerer: AnswererFactory | None,
) -> Heavy:
    from service.chat import ChatService
    from service.ingestion import Ingestor
    from service.providers import build_answerer, build_embedding, build_reranker
    from service.sharing import shared_doc_ids
    from service.worker import Worker

    settings = storage.settings
    if embed_model is None:
        embed_model, embed_model_id, dim = build_embedding(settings)
    else:
        dim = len(embed_model.get_text_embedding("dimension probe"))
        embed_model_id = embed_model_id or embed_model.model_name
    store = open_store(settings, embed_model_id, dim)
    ingestor = Ingestor(
        registry=storage.registry,
        blobs=storage.blobs,
        store=store,
        embed_model=embed_model,
        notifier=storage.notifier,
        limits=settings.limits,
        parse_fn=parser_for(settings),
        recorder=storage.recorder,
    )
    chat = ChatService(
        store=store,
        embed_model=embed_model,
        answerer=(answerer or build_answerer)(settings, embed_model),
        top_k=settings.top_k,
        candidates=settings.candidates,
        weights=settings.fusion,
        max_question_chars=settings.max_question_chars,
        max_history_turns=settings.max_history_turns,
        reranker=build_reranker(settings, embed_model),
        rerank_depth=settings.rerank_depth,
        recorder=storage.recorder,
        prices=settings.llm_prices,
        shared_docs=lambda groups: shared_doc_ids(storage.registry, groups),
    )
    queue = storage.local_queue
    worker = (
        None if queue is None else Worker(queue, ingestor, max_receives=settings.queue_max_receives)
    )
    return Heavy(store=store, embed_model=embed_model, ingestor=ingestor, chat=chat, worker=worker)
