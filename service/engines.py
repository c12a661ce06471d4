"""LlamaIndex's own objects on the service's index: an owner-bound retriever, a
``RetrieverQueryEngine`` and a chat engine, so a notebook can swap models, postprocessors and
synthesizers while ownership stays enforced by the retriever (it filters by owner before ranking,
so nothing of another person's ever reaches a postprocessor, a synthesizer or a model).

Answers keep the service's rules: the default synthesizer is the configured answerer (the
offline extractive one, or the LLM prompt that fences retrieved text as data), and the chat
engine with an LLM fences every source the same way. ``response.metadata["sources"]`` holds the
citations that the answer's ``[n]`` markers refer to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import RESPONSE_TYPE, Response, StreamingResponse
from llama_index.core.chat_engine import CondensePlusContextChatEngine
from llama_index.core.chat_engine.types import (
    AgentChatResponse,
    BaseChatEngine,
    StreamingAgentChatResponse,
)
from llama_index.core.llms import LLM
from llama_index.core.llms.mock import MockLLM
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers import BaseSynthesizer
from llama_index.core.schema import NodeWithScore, QueryBundle, QueryType

from service.answer import Answer, Answerer, ExtractiveAnswerer
from service.config import LlmProvider
from service.llm_answer import SYSTEM_PROMPT, LlmAnswerer
from service.models import ChatTurn
from service.providers import build_answerer, build_llm
from service.retrieval import HybridRetriever
from service.vectors import Hit, node_hit

if TYPE_CHECKING:
    from service.wiring import Services

Postprocessors = Sequence[BaseNodePostprocessor]
CONTEXT_PROMPT = SYSTEM_PROMPT + "\n\nSources:\n{context_str}"


class AnswererSynthesizer(BaseSynthesizer):
    """A LlamaIndex synthesizer that answers with one of the service's answerers, over exactly
    the nodes it is given. Without an LLM (the extractive answerer) the base class gets a
    ``MockLLM`` only because it insists on one: it is never called."""

    def __init__(self, answerer: Answerer, *, llm: LLM | None = None, streaming: bool = False):
        super().__init__(llm=llm or MockLLM(), streaming=streaming)
        self._answerer = answerer

    def _get_prompts(self) -> dict[str, Any]:
        return {}

    def _update_prompts(self, prompts_dict: Any) -> None:
        pass

    def synthesize(
        self,
        query: QueryType,
        nodes: list[NodeWithScore],
        additional_source_nodes: Sequence[NodeWithScore] | None = None,
        **response_kwargs: Any,
    ) -> RESPONSE_TYPE:
        """The answer over ``nodes``, with its citations in ``metadata["sources"]``."""
        query_str = query if isinstance(query, str) else query.query_str
        hits = [node_hit(n) for n in nodes]
        answer = self._answerer.answer(query_str, [], lambda _query: hits)
        sources = list(nodes) + list(additional_source_nodes or [])
        metadata: dict[str, Any] = {"sources": [s.model_dump() for s in answer.sources]}
        if self._streaming:
            return StreamingResponse(
                _cited(answer, metadata), source_nodes=sources, metadata=metadata
            )
        text = "".join(answer.text)
        metadata["sources"] = [s.model_dump() for s in answer.final_sources(text)]
        return Response(text, source_nodes=sources, metadata=metadata)

    async def asynthesize(
        self,
        query: QueryType,
        nodes: list[NodeWithScore],
        additional_source_nodes: Sequence[NodeWithScore] | None = None,
        **response_kwargs: Any,
    ) -> RESPONSE_TYPE:
        return await asyncio.to_thread(self.synthesize, query, nodes, additional_source_nodes)

    def get_response(self, query_str: str, text_chunks: Sequence[str], **kwargs: Any) -> str:
        """An answer from bare text chunks (no file or page to cite)."""
        hits = [Hit(str(i), "", "", t, "", None, i, 0.0) for i, t in enumerate(text_chunks)]
        return "".join(self._answerer.answer(query_str, [], lambda _query: hits).text)

    async def aget_response(self, query_str: str, text_chunks: Sequence[str], **kwargs: Any) -> str:
        return await asyncio.to_thread(self.get_response, query_str, text_chunks)


def _cited(answer: Answer, metadata: dict[str, Any]) -> Generator[str, None, None]:
    """Stream the text; once it is complete, narrow the sources to those it cites."""
    parts = []
    for piece in answer.text:
        parts.append(piece)
        yield piece
    metadata["sources"] = [s.model_dump() for s in answer.final_sources("".join(parts))]


class FenceSources(BaseNodePostprocessor):
    """Numbers each node and fences its text as data, as the service's own prompt does: what
    the LLM reads is ``<source n="1" file="name, page 5">...</source>``. Nodes are copied."""

    @classmethod
    def class_name(cls) -> str:
        return "FenceSources"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        fenced = []
        for n, node in enumerate(nodes, start=1):
            meta = node.node.metadata
            page = f", page {meta['page']}" if meta.get("page") is not None else ""
            copy = node.node.model_copy(
                update={
                    "text": node.node.get_content().replace("</source>", "</ source>"),
                    "text_template": f'<source n="{n}" file="{{metadata_str}}{page}">\n'
                    "{content}\n</source>",
                    "metadata_template": "{value}",
                    "excluded_llm_metadata_keys": [k for k in meta if k != "filename"],
                }
            )
            fenced.append(NodeWithScore(node=copy, score=node.score))
        return fenced


class ExtractiveChatEngine(BaseChatEngine):
    """The offline chat engine: no model to condense with, so, like the service, earlier
    questions widen the retrieval of a follow-up and the answer quotes retrieved sentences."""

    def __init__(
        self, retriever: HybridRetriever, answerer: Answerer, postprocessors: Postprocessors
    ) -> None:
        self._retriever = retriever
        self._answerer = answerer
        self._postprocessors = list(postprocessors)
        self._memory = ChatMemoryBuffer.from_defaults(token_limit=4000)

    def _answer(self, message: str, history: list[ChatMessage] | None) -> tuple[Answer, Any]:
        turns = [
            ChatTurn(role=m.role.value, content=m.content or "")
            for m in (history if history is not None else self._memory.get())
            if m.role in (MessageRole.USER, MessageRole.ASSISTANT)
        ]
        used: list[NodeWithScore] = []

        def retrieve(query: str) -> list[Hit]:
            nodes = self._retriever.retrieve(query)
            for post in self._postprocessors:
                nodes = post.postprocess_nodes(nodes, query_bundle=QueryBundle(query))
            used[:] = nodes
            return [node_hit(n) for n in nodes]

        answer = self._answerer.answer(message, turns, retrieve)
        self._memory.put(ChatMessage(role=MessageRole.USER, content=message))
        return answer, used

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> Any:
        answer, nodes = self._answer(message, chat_history)
        text = "".join(answer.text)
        self._memory.put(ChatMessage(role=MessageRole.ASSISTANT, content=text))
        sources = [s.model_dump() for s in answer.final_sources(text)]
        return AgentChatResponse(response=text, source_nodes=nodes, metadata={"sources": sources})

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> Any:
        answer, nodes = self._answer(message, chat_history)

        def deltas() -> Generator[ChatResponse, None, None]:
            text = ""
            for piece in answer.text:
                text += piece
                reply = ChatMessage(role=MessageRole.ASSISTANT, content=text)
                yield ChatResponse(message=reply, delta=piece)

        response = StreamingAgentChatResponse(chat_stream=deltas(), source_nodes=nodes)
        response.write_response_to_history(self._memory)  # the answer is ready: no thread
        return response

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None) -> Any:
        return await asyncio.to_thread(self.chat, message, chat_history)

    async def astream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> Any:
        return await asyncio.to_thread(self.stream_chat, message, chat_history)

    def reset(self) -> None:
        self._memory.reset()

    @property
    def chat_history(self) -> list[ChatMessage]:
        history: list[ChatMessage] = self._memory.get_all()
        return history


def default_postprocessors(services: Services) -> list[BaseNodePostprocessor]:
    """The postprocessors an engine gets when none are given: none, because the service's
    retriever already applies the configured reranker (``RAG_RERANKER``). To rerank in a
    notebook, pass ``service.rerank.RerankPostprocessor(reranker=...)`` explicitly."""
    del services
    return []


def retriever(services: Services, owner: str, **kwargs: Any) -> HybridRetriever:
    """The owner-bound hybrid retriever (``top_k``, ``doc_ids``, ``mode`` as in ``ChatService``)."""
    return services.chat.retriever(owner, **kwargs)


def query_engine(
    services: Services,
    owner: str,
    *,
    node_postprocessors: Postprocessors | None = None,
    response_synthesizer: BaseSynthesizer | None = None,
    llm: LLM | None = None,
    streaming: bool = False,
    **retriever_kwargs: Any,
) -> RetrieverQueryEngine:
    """A ``RetrieverQueryEngine`` over ``owner``'s documents, answering with the configured
    answerer (or ``llm``), unless another ``response_synthesizer`` is given."""
    if response_synthesizer is None:
        answerer, llm = _answerer(services, llm)
        response_synthesizer = AnswererSynthesizer(answerer, llm=llm, streaming=streaming)
    posts = default_postprocessors(services) if node_postprocessors is None else node_postprocessors
    return RetrieverQueryEngine(
        retriever=retriever(services, owner, **retriever_kwargs),
        response_synthesizer=response_synthesizer,
        node_postprocessors=list(posts),
    )


def chat_engine(
    services: Services,
    owner: str,
    *,
    node_postprocessors: Postprocessors | None = None,
    llm: LLM | None = None,
    **retriever_kwargs: Any,
) -> BaseChatEngine:
    """A condense-plus-context chat engine with the configured LLM (or ``llm``); offline (the
    extractive answerer, no ``llm``) an ``ExtractiveChatEngine`` with the same interface."""
    posts = default_postprocessors(services) if node_postprocessors is None else node_postprocessors
    bound = retriever(services, owner, **retriever_kwargs)
    answerer, llm = _answerer(services, llm)
    if llm is None:
        return ExtractiveChatEngine(bound, answerer, posts)
    return CondensePlusContextChatEngine.from_defaults(
        retriever=bound,
        llm=llm,
        context_prompt=CONTEXT_PROMPT,
        node_postprocessors=[*posts, FenceSources()],
    )


def _answerer(services: Services, llm: LLM | None) -> tuple[Answerer, LLM | None]:
    """The answerer and its LLM (None for the extractive answerer)."""
    settings = services.settings
    if llm is None and settings.llm_provider is LlmProvider.EXTRACTIVE:
        answerer = build_answerer(settings, services.embed_model)
        assert isinstance(answerer, ExtractiveAnswerer)
        return answerer, None
    llm = llm or build_llm(settings)
    return LlmAnswerer(llm, history_turns=settings.max_history_turns), llm
