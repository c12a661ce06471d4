"""Bedrock providers: embeddings (Titan Text Embeddings v2, Cohere) through
``llama-index-embeddings-bedrock`` and generation through ``llama-index-llms-bedrock-converse``.

What the integrations lack is added here: Titan takes one text per call, so a batch runs
concurrently in a bounded thread pool; Cohere takes at most 96 texts and silently truncates at
2048 characters, so batches are capped and longer texts are split and their vectors averaged
(never truncated); throttling that outlasts botocore's jittered retries becomes ``Unavailable``,
so an ingestion job goes back to its queue instead of indexing a partial document.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from llama_index.core.bridge.pydantic import Field
from llama_index.embeddings.bedrock import BedrockEmbedding

from service.adapters.aws_clients import aws_client
from service.config import EmbedProvider, Settings
from service.errors import Unavailable

log = logging.getLogger(__name__)

COHERE_MAX_TEXTS = 96
COHERE_MAX_CHARS = 2048
COHERE_DIM = 1024
_TRANSIENT = {
    "ThrottlingException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "TooManyRequestsException",
}


def _transient(exc: Exception) -> bool:
    from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in _TRANSIENT
    return isinstance(exc, ConnectionError | ReadTimeoutError)


def split_text(text: str, limit: int = COHERE_MAX_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at whitespace where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip()
    return [*pieces, text] if text or not pieces else pieces


class BedrockEmbeddings(BedrockEmbedding):
    """``BedrockEmbedding`` with concurrency (Titan), no truncation (Cohere) and errors mapped
    to the service's hierarchy."""

    concurrency: int = Field(default=16, ge=1, description="Titan calls in flight")

    @classmethod
    def class_name(cls) -> str:
        return "BedrockEmbeddings"

    @property
    def dimension(self) -> int:
        """Vector dimension."""
        if self._get_provider() == "cohere":
            return COHERE_DIM
        return int(self.additional_kwargs.get("dimensions", 1024))

    def _get_embedding(self, payload: Any, type: Any) -> Any:
        try:
            return super()._get_embedding(payload, type)
        except Exception as exc:
            if _transient(exc):
                raise Unavailable("the embedding model is busy; try again later") from exc
            raise

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        if self._get_provider() == "cohere":
            return self._cohere_embeddings(texts)
        if self.concurrency == 1 or len(texts) == 1:
            return [self._get_text_embedding(t) for t in texts]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(texts))) as pool:
            return list(pool.map(self._get_text_embedding, texts))

    def _cohere_embeddings(self, texts: list[str]) -> list[list[float]]:
        pieces: list[str] = []
        owners: list[int] = []
        for i, text in enumerate(texts):
            for piece in split_text(text):
                pieces.append(piece)
                owners.append(i)
        vectors: list[list[float]] = []
        for start in range(0, len(pieces), COHERE_MAX_TEXTS):
            vectors += self._get_embedding(pieces[start : start + COHERE_MAX_TEXTS], "text")
        out = np.zeros((len(texts), len(vectors[0])), dtype=np.float64)
        np.add.at(out, owners, np.asarray(vectors, dtype=np.float64))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return [[float(x) for x in row] for row in out / np.clip(norms, 1e-12, None)]


def bedrock_embedding(settings: Settings, client: Any = None) -> BedrockEmbeddings:
    """The configured Bedrock embedding model (``client``: a bedrock-runtime client)."""
    client = client or aws_client(settings, "bedrock-runtime")
    if settings.embed_provider is EmbedProvider.BEDROCK_COHERE:
        return BedrockEmbeddings(
            model_name=settings.bedrock_cohere_model,
            client=client,
            application_inference_profile_arn=None,
            embed_batch_size=COHERE_MAX_TEXTS,
        )
    return BedrockEmbeddings(
        model_name=settings.bedrock_embed_model,
        client=client,
        application_inference_profile_arn=None,
        # Batches wide enough to keep every worker busy.
        embed_batch_size=max(settings.embed_batch_size, settings.bedrock_concurrency * 4),
        concurrency=settings.bedrock_concurrency,
        additional_kwargs={"dimensions": settings.bedrock_embed_dimensions, "normalize": True},
    )


class StreamClosingClient:
    """A bedrock-runtime client that remembers, per thread, the ConverseStream event streams it
    opened, so the LLM can close them: ``BedrockConverse`` drops a stream's generator on a
    cancelled answer without closing its HTTP response, and the model then keeps generating
    (and billing) to nobody (tests/aws/test_stream_cancel.py)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def opened(self) -> list[Any]:
        """This thread's event streams not yet closed by their answer."""
        streams: list[Any] | None = getattr(self._local, "streams", None)
        if streams is None:
            streams = self._local.streams = []
        return streams

    def converse_stream(self, **kwargs: Any) -> Any:
        """``ConverseStream``, remembering its event stream."""
        response = self._client.converse_stream(**kwargs)
        self.opened().append(response["stream"])
        return response


def bedrock_llm(settings: Settings, client: Any = None) -> Any:
    """``BedrockConverse`` with an explicit output token budget, whose streams close with their
    answer. Retries are botocore's (standard mode: jittered exponential backoff), so the
    integration's own fixed 4-10 s waits are turned off."""
    from llama_index.llms.bedrock_converse import BedrockConverse

    base: Any = BedrockConverse  # a pydantic model whose synthesized __init__ mypy mis-reads

    class ClosingBedrockConverse(base):  # type: ignore[misc]
        """Closes the ConverseStream response when its generator is closed or finished."""

        def stream_chat(self, messages: Any, **kwargs: Any) -> Any:
            opened = self._client.opened() if isinstance(self._client, StreamClosingClient) else []
            mark = len(opened)  # the stream is opened now, before the generator starts
            return _closing(opened, mark, super().stream_chat(messages, **kwargs))

    return ClosingBedrockConverse(
        model=settings.bedrock_llm_model,
        max_tokens=settings.llm_max_tokens,
        temperature=0.1,
        client=StreamClosingClient(client or aws_client(settings, "bedrock-runtime")),
        region_name=settings.bedrock_region or settings.aws_region,
        max_retries=1,
        timeout=settings.bedrock_timeout_s,
    )


def _closing(opened: list[Any], mark: int, inner: Any) -> Iterator[Any]:
    try:
        yield from inner
    finally:
        inner.close()
        for stream in opened[mark:]:
            stream.close()
        del opened[mark:]
