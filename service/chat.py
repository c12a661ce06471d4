"""Chat: validate a question, retrieve over the asker's documents only, and stream the answer
as protocol events: token batches, one sources event, done (or an error)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Collection, Generator, Iterator, Sequence

from llama_index.core.base.embeddings.base import BaseEmbedding

from service.answer import Answer, Answerer
from service.context import current_request_id
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
from service.options import Prices
from service.rerank import Reranker
from service.retrieval import FusionWeights, HybridRetriever, RetrievalMode
from service.telemetry import AnswerOutcome, NullRecorder, QuestionRecord, Recorder
from service.vectors import ChunkStore, Hit

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 30_000  # API Gateway's limit is 32 KB per frame
TOKEN_BATCH_CHARS = 48
TOKEN_BATCH_SECONDS = 0.05
MAX_TOKEN_EVENT_CHARS = 4_000  # JSON may escape a character into 6 bytes


SharedDocs = Callable[[Collection[str]], Sequence[str]]
"""The ids of the documents shared with any of some groups (the registry's answer)."""


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
        recorder: Recorder | None = None,
        prices: Prices | None = None,
        shared_docs: SharedDocs | None = None,
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
        self._recorder: Recorder = recorder or NullRecorder()
        self._prices = prices or Prices(0.0, 0.0)
        self._shared_docs = shared_docs

    def retriever(
        self,
        owner: str,
        *,
        doc_ids: Sequence[str] | None = None,
        mode: RetrievalMode = RetrievalMode.HYBRID,
        top_k: int | None = None,
        rerank: bool = True,
        groups: Collection[str] = (),
    ) -> HybridRetriever:
        """A retriever bound to ``owner`` with the configured fusion (and reranker, unless
        ``rerank`` is false); it also reads the documents shared with any of ``groups``, as
        the registry says now (so a retriever is made per question)."""
        shared = self._shared_docs(groups) if groups and self._shared_docs else ()
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
            shared=shared,
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
        groups: Collection[str] = (),
    ) -> Generator[ChatEvent, None, None]:
        """Stream the answer's events over ``owner``'s documents and those shared with any of
        ``groups``. Stops quietly once ``cancelled()`` is true. Each question is measured
        (times, outcome, tokens, cost) and handed to the recorder."""
        rid = request_id or current_request_id() or uuid.uuid4().hex
        run = _Run(owner)
        try:
            yield from self._answer(run, question, history, doc_ids, rid, cancelled, groups)
        except RagError as exc:
            run.outcome = AnswerOutcome.ERROR
            yield ErrorEvent(request_id=rid, code=exc.code, message=exc.message)
        except Exception as exc:  # the boundary of one request: report, never kill the connection
            run.outcome = AnswerOutcome.ERROR
            if is_busy(exc):  # a throttled model: the person may simply try again
                log.warning("chat model busy", exc_info=True)
                yield ErrorEvent(request_id=rid, code=ErrorCode.UNAVAILABLE, message=BUSY_MESSAGE)
                return
            log.exception("chat failed")
            yield ErrorEvent(
                request_id=rid, code=ErrorCode.INTERNAL, message="the answer could not be completed"
            )
        finally:  # also when the consumer closes this generator (a cancelled answer)
            run.close()
            self._recorder.question(run.record(self._prices))

    def _answer(
        self,
        run: _Run,
        question: str,
        history: Sequence[ChatTurn],
        doc_ids: Sequence[str] | None,
        rid: str,
        cancelled: Callable[[], bool],
        groups: Collection[str],
    ) -> Iterator[ChatEvent]:
        question = self.validate(question)
        retriever = self.retriever(run.owner, doc_ids=doc_ids, groups=groups)
        run.answer = self._answerer.answer(
            question, list(history)[-self._max_turns :], run.timed(retriever.search)
        )
        parts: list[str] = []
        for text in batch_text(run.answer.text):
            if cancelled():
                return
            run.first_token()
            parts.append(text)
            yield TokenEvent(request_id=rid, text=text)
        if cancelled():
            return
        yield fit_sources(
            SourcesEvent(request_id=rid, sources=run.answer.final_sources("".join(parts)))
        )
        run.outcome = AnswerOutcome.NOT_FOUND if run.answer.abstained else AnswerOutcome.ANSWERED
        yield DoneEvent(request_id=rid)


class _Run:
    """The measurements of one question while it is answered."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.outcome = AnswerOutcome.CANCELLED  # unless it ends otherwise
        self.answer: Answer | None = None
        self.started = time.monotonic()
        self.retrieval_s: float | None = None
        self.first_token_s: float | None = None

    def timed(self, search: Callable[[str], list[Hit]]) -> Callable[[str], list[Hit]]:
        """``search``, timed and logged (every retrieval of this question adds up)."""

        def retrieve(query: str) -> list[Hit]:
            started = time.monotonic()
            hits = search(query)
            elapsed = time.monotonic() - started
            self.retrieval_s = (self.retrieval_s or 0.0) + elapsed
            log.info("retrieved %d passages in %.1f ms", len(hits), elapsed * 1000)
            return hits

        return retrieve

    def first_token(self) -> None:
        """A token event is about to go out."""
        if self.first_token_s is None:
            self.first_token_s = time.monotonic() - self.started

    def close(self) -> None:
        """Close the model's stream now (not when garbage collected): a cancelled answer
        stops generating, and its HTTP stream is released."""
        close = getattr(self.answer.text, "close", None) if self.answer else None
        if callable(close):
            close()

    def record(self, prices: Prices) -> QuestionRecord:
        """What the recorder receives."""
        usage = self.answer.usage if self.answer else None
        tokens_in, tokens_out = (usage.input_tokens, usage.output_tokens) if usage else (0, 0)
        return QuestionRecord(
            owner=self.owner,
            outcome=self.outcome,
            answer_s=time.monotonic() - self.started,
            retrieval_s=self.retrieval_s,
            first_token_s=self.first_token_s,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=prices.cost(tokens_in, tokens_out),
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
