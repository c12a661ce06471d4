"""Generation by any OpenAI-compatible chat-completions server (vLLM, llama.cpp's server,
LM Studio, a gateway) through ``llama-index-llms-openai-like``.

What the integration leaves open is fixed here: the API key comes only from the service's
settings (never from ``OPENAI_API_KEY``, so a key meant for one provider is never sent to another
server) and is kept off the LLM object, so it cannot appear in its repr or serialisation; retries
are the OpenAI client's (jittered backoff, ``Retry-After`` honoured), so the integration's own
retry loop is turned off; and the client's errors, raised before or during a stream, become the
service's ``Unavailable`` with a message that names no key and no server reply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import openai
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.llms.openai.utils import to_openai_message_dicts
from llama_index.llms.openai_like import OpenAILike

from service.config import Settings
from service.errors import Unavailable


def api_key(settings: Settings) -> str:
    """The configured key ("" for none): ``RAG_OPENAI_API_KEY_FILE`` wins over the variable."""
    if settings.openai_api_key_file is not None:
        try:
            return settings.openai_api_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise Unavailable(
                f"cannot read RAG_OPENAI_API_KEY_FILE ({exc.strerror or type(exc).__name__})"
            ) from None
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn the OpenAI client's errors (and httpx's, raised while a stream is read) into
    ``Unavailable``. The server's own message is left out: it may echo the key."""
    try:
        yield
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise Unavailable(
            f"the language model server refused the configured API key (HTTP {exc.status_code})"
        ) from None
    except openai.RateLimitError:
        raise Unavailable("the language model is busy (rate limited); try again later") from None
    except (openai.APITimeoutError, httpx.TimeoutException):
        raise Unavailable("the language model did not answer in time") from None
    except (openai.APIConnectionError, httpx.TransportError):
        raise Unavailable("the language model server cannot be reached") from None
    except openai.APIStatusError as exc:
        raise Unavailable(f"the language model server failed (HTTP {exc.status_code})") from None
    except openai.APIError:
        raise Unavailable("the language model server reported an error") from None


class OpenAICompatible(OpenAILike):
    """``OpenAILike`` whose errors are the service's (see the module docstring) and whose
    stream closes its HTTP response when it is closed. It streams text only: the service asks
    for no tool calls."""

    _keyless: bool = PrivateAttr(default=False)

    @classmethod
    def class_name(cls) -> str:
        return "OpenAICompatible"

    def _get_model_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        model_kwargs: dict[str, Any] = super()._get_model_kwargs(**kwargs)
        if self._keyless:  # leave the header out rather than send it empty
            model_kwargs["extra_headers"] = {"Authorization": openai.Omit()}
        return model_kwargs

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        with mapped_errors():
            response: ChatResponse = super()._chat(messages, **kwargs)
        return response

    def _stream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> Iterator[ChatResponse]:
        # The integration's own stream never closes the OpenAI ``Stream``, which sits in a
        # reference cycle: a cancelled answer would hold the HTTP connection open (and the model
        # generating) until the garbage collector ran. This one closes it when it is closed.
        request = {
            "messages": to_openai_message_dicts(messages, model=self.model),
            **self._get_model_kwargs(stream=True, **kwargs),
        }
        return self._deltas(request)

    def _deltas(self, request: dict[str, Any]) -> Iterator[ChatResponse]:
        with mapped_errors():
            stream = self._get_client().chat.completions.create(**request)
            try:
                content = ""
                for chunk in stream:
                    delta = (chunk.choices[0].delta.content or "") if chunk.choices else ""
                    content += delta
                    message = ChatMessage(role=MessageRole.ASSISTANT, content=content)
                    yield ChatResponse(message=message, delta=delta, raw=chunk)
            finally:
                stream.close()

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        with mapped_errors():
            response: ChatResponse = await super()._achat(messages, **kwargs)
        return response

    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> AsyncIterator[ChatResponse]:
        with mapped_errors():
            stream = await super()._astream_chat(messages, **kwargs)
        return _amapped_stream(stream)


async def _amapped_stream(stream: AsyncIterator[ChatResponse]) -> AsyncIterator[ChatResponse]:
    with mapped_errors():
        async for chunk in stream:
            yield chunk


def openai_llm(settings: Settings, *, http_client: httpx.Client | None = None) -> OpenAICompatible:
    """The configured OpenAI-compatible chat model, with an explicit output token budget."""
    key = api_key(settings)

    async def no_key() -> str:
        return ""

    common: dict[str, Any] = {
        "base_url": settings.openai_base_url,
        "timeout": settings.openai_timeout_s,
        "max_retries": settings.openai_max_retries,
    }
    # a key (or a provider of none) is always given: the client never falls back to
    # OPENAI_API_KEY, which may hold a key meant for another provider
    sync_client = openai.OpenAI(api_key=key or (lambda: ""), http_client=http_client, **common)
    async_client = openai.AsyncOpenAI(api_key=key or no_key, **common)
    llm = OpenAICompatible(
        model=settings.llm_model,
        api_base=settings.openai_base_url,
        api_key="",  # the key lives in the clients only, never on the (printable) LLM object
        max_tokens=settings.llm_max_tokens,
        temperature=0.1,
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=settings.openai_context_window,
        max_retries=0,
        timeout=settings.openai_timeout_s,
        openai_client=sync_client,
        async_openai_client=async_client,
    )
    llm._keyless = not key
    return llm
