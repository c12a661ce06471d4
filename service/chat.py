"""Chat: validate a question, retrieve over the asker's documents only, and stream the answer
as protocol events: token batches, one sources event, done (or an error)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence

from llama_index.core.base.embeddings.base import BaseEmbedding

from service.answer import Answerer
from service.errors import BUSY_MESSAGE, BadRequest, ErrorCode, RagError, is_busy
from service.models import (
    ChatEvent,
    ChatTurn,
    DoneEvent,
    ErrorEvent,
    Source,
    SourcesEvent,
    TokenEvent,
)
from service.rerank import Reranker
from service.retrieval import FusionWeights, HybridRetriever, RetrievalMode
from service.vectors import ChunkStore, Hit

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 30_000  # API Gateway's limit is 32 KB per frame
TOKEN_BATCH_CHARS = 48
TOKEN_BATCH_SECONDS = 0.05
MAX_TOKEN_EVENT_CHARS = 4_000  # JSON may escape a character into 6 bytes


class ChatService:
    """Answers questions over one owner's documents."""

    def __init__(
        self,
        *,
        store: ChunkStore,
        embed_model: BaseEmbedding,
        answerer: Answerer,
        top_k: int,
        candidates: int,
        weights: FusionWeights,
        max_question_chars: int,
        max_history_turns: int,
        reranker: Reranker | None = None,
        rerank_depth: int = 12,
    ) -> None:
        self._store = store
        self._embed = embed_model
        self._answerer = answerer
        self.top_k = top_k
        self._candidates = candidates
        self._weights = weights
        self._max_chars = max_question_chars
        self._max_turns = max_history_turns
        self.reranker = reranker
        self._rerank_depth = rerank_depth

    def retriever(
        self,
        owner: str,
        *,
        doc_ids: Sequence[str] | None = None,
        mode: RetrievalMode = RetrievalMode.HYBRID,
        top_k: int | None = None,
        rerank: bool = True,
    ) -> HybridRetriever:
        """A retriever bound to ``owner`` with the configured fusion (and reranker, unless
        ``rerank`` is false)."""
        return HybridRetriever(
            self._store,
            self._embed,
            owner=owner,
            top_k=top_k or self.top_k,
            candidates=self._candidates,
            weights=self._weights,
            mode=mode,
            doc_ids=doc_ids,
            reranker=self.reranker if rerank else None,
            rerank_depth=self._rerank_depth,
        )

    def validate(self, question: str) -> str:
        """The question, stripped; ``BadRequest`` if empty or too long."""
        question = question.strip()
        if not question:
            raise BadRequest("the question is empty")
        if len(question) > self._max_chars:
            raise BadRequest(f"the question is longer than {self._max_chars} characters")
        return question

    def ask(
        self,
        owner: str,
        question: str,
        *,
        history: Sequence[ChatTurn] = (),
        doc_ids: Sequence[str] | None = None,
        request_id: str | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Generator[ChatEvent, None, None]:
        """Stream the answer's events. Stops quietly once ``cancelled()`` is true."""
        rid = request_id or uuid.uuid4().hex
        try:
            question = self.validate(question)
            retriever = self.retriever(owner, doc_ids=doc_ids)

            def retrieve(query: str) -> list[Hit]:
                return retriever.search(query)

            answer = self._answerer.answer(question, list(history)[-self._max_turns :], retrieve)
            parts: list[str] = []
            for text in batch_text(answer.text):
                if cancelled():
                    return
                parts.append(text)
                yield TokenEvent(request_id=rid, text=text)
            if cancelled():
                return
            yield fit_sources(
                SourcesEvent(request_id=rid, sources=answer.final_sources("".join(parts)))
            )
            yield DoneEvent(request_id=rid)
        except RagError as exc:
            yield ErrorEvent(request_id=rid, code=exc.code, message=exc.message)
        except Exception as exc:  # the boundary of one request: report, never kill the connection
            if is_busy(exc):  # a throttled model: the person may simply try again
                log.warning("chat model busy", exc_info=True)
                yield ErrorEvent(request_id=rid, code=ErrorCode.UNAVAILABLE, message=BUSY_MESSAGE)
                return
            log.exception("chat failed")
            yield ErrorEvent(
                request_id=rid, code=ErrorCode.INTERNAL, message="the answer could not be completed"
            )


def batch_text(
    pieces: Iterator[str], *, chars: int = TOKEN_BATCH_CHARS, seconds: float = TOKEN_BATCH_SECONDS
) -> Iterator[str]:
    """Group streamed pieces into frames of about ``chars`` or every ``seconds``."""
    buffer: list[str] = []
    size = 0
    last = time.monotonic()
    for piece in pieces:
        while len(piece) > MAX_TOKEN_EVENT_CHARS:
            yield from ([*buffer] and ["".join(buffer)])
            buffer, size = [], 0
            yield piece[:MAX_TOKEN_EVENT_CHARS]
            piece = piece[MAX_TOKEN_EVENT_CHARS:]
        buffer.append(piece)
        size += len(piece)
        now = time.monotonic()
        if size >= chars or now - last >= seconds:
            yield "".join(buffer)
            buffer, size, last = [], 0, now
    if buffer:
        yield "".join(buffer)


def fit_sources(event: SourcesEvent) -> SourcesEvent:
    """Shorten snippets until the event's JSON fits in one WebSocket frame."""
    limit = 280
    while len(event.model_dump_json().encode()) > MAX_FRAME_BYTES and limit > 0:
        limit //= 2
        event = SourcesEvent(
            request_id=event.request_id,
            sources=[
                Source(**{**s.model_dump(), "snippet": s.snippet[:limit]}) for s in event.sources
            ],
        )
    return event
