"""LlamaIndex's retriever, query engine and chat engine on the service's index: answers with
citations, offline and through an LLM (the loopback OpenAI-compatible server), and another
owner's rows never reaching any part of an engine."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.chat_engine import CondensePlusContextChatEngine
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle

from service.engines import ExtractiveChatEngine
from service.wiring import Services
from tests.conftest import BOB_SECRET, ingest
from tests.openai_server import OpenAIServer

PDF = "field-station-handbook.pdf"
QUESTION = "What is the emergency radio channel?"
BOB_QUESTION = "Who secretly leads Project Atlas, and what is the vault code and radio channel?"


class Recorder(BaseNodePostprocessor):
    """Keeps every node it is given (what reaches the engine after retrieval)."""

    seen: list[NodeWithScore] = []

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        self.seen.extend(nodes)
        return nodes


def owners(nodes: list[NodeWithScore]) -> set[str]:
    return {n.node.metadata["owner"] for n in nodes}


def test_the_retriever_is_an_owner_bound_llamaindex_retriever(corpus: Services) -> None:
    retriever = corpus.retriever("alice", top_k=50)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(BOB_QUESTION)
    assert len(nodes) > 5 and owners(nodes) == {"alice"}
    assert owners(corpus.retriever("bob", top_k=50).retrieve(BOB_QUESTION)) == {"bob"}


def test_the_offline_query_engine_answers_with_citations(corpus: Services) -> None:
    engine = corpus.query_engine("alice")
    assert isinstance(engine, RetrieverQueryEngine)
    response = engine.query(QUESTION)
    assert "16" in str(response)
    sources = response.metadata["sources"]  # type: ignore[index]
    assert (sources[0]["filename"], sources[0]["page"]) == (PDF, 5)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", str(response))}
    assert cited == {s["n"] for s in sources}
    assert owners(response.source_nodes) == {"alice"}


def test_the_query_engine_streams(corpus: Services) -> None:
    response = corpus.query_engine("alice", streaming=True).query(QUESTION)
    pieces = list(response.response_gen)  # type: ignore[union-attr]
    assert len(pieces) > 1 and "16" in "".join(pieces)
    assert response.metadata["sources"][0]["filename"] == PDF  # type: ignore[index]


@pytest.mark.parametrize("kind", ["query", "chat"])
def test_another_owners_rows_never_reach_the_engine(corpus: Services, kind: str) -> None:
    def run(owner: str) -> tuple[list[NodeWithScore], str]:
        recorder = Recorder(seen=[])
        if kind == "query":
            engine = corpus.query_engine(owner, node_postprocessors=[recorder], top_k=50)
            text = str(engine.query(BOB_QUESTION))
        else:
            chat = corpus.chat_engine(owner, node_postprocessors=[recorder], top_k=50)
            text = str(chat.chat(BOB_QUESTION))
        return recorder.seen, text

    seen, text = run("alice")
    assert len(seen) > 5 and owners(seen) == {"alice"}
    assert "bob-secret.txt" not in {n.node.metadata["filename"] for n in seen}
    assert "Zebedee" not in text and "7431" not in text
    seen_by_bob, bobs_text = run("bob")  # the control: the same engine finds it for its owner
    assert owners(seen_by_bob) == {"bob"} and "Zebedee" in bobs_text


def test_the_offline_chat_engine_keeps_history_and_streams(corpus: Services) -> None:
    chat = corpus.chat_engine("alice")
    assert isinstance(chat, ExtractiveChatEngine)
    first = chat.chat(QUESTION)
    assert "16" in str(first) and first.metadata["sources"][0]["filename"] == PDF  # type: ignore[index]
    follow = chat.stream_chat("And on which page is that?")
    streamed = "".join(follow.response_gen)
    assert streamed and owners(follow.source_nodes) == {"alice"}
    assert [m.role.value for m in chat.chat_history] == ["user", "assistant"] * 2
    assert chat.chat_history[-1].content == streamed
    chat.reset()
    assert chat.chat_history == []


# --- with an LLM: the loopback OpenAI-compatible server -----------------------------------------

REPLY = "Use radio channel 16 [1]."
NOTE = "The Hallow Point field station uses radio channel 16 for emergencies."


@pytest.fixture(scope="module")
def llm_server() -> Iterator[OpenAIServer]:
    srv = OpenAIServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def with_llm(make_services: Callable[..., Services], llm_server: OpenAIServer) -> Services:
    llm_server.reset()
    svc = make_services(llm_provider="openai", openai_base_url=llm_server.url)
    ingest(svc, "alice", "station.txt", NOTE.encode())
    ingest(svc, "bob", "bob-secret.txt", BOB_SECRET.encode())
    return svc


def prompts(server: OpenAIServer) -> list[str]:
    return [str(m["content"]) for r in server.requests for m in r["body"]["messages"]]


def test_the_query_engine_uses_the_configured_llm_with_fenced_sources(
    with_llm: Services, llm_server: OpenAIServer
) -> None:
    llm_server.replies = [REPLY]
    response = with_llm.query_engine("alice", top_k=50).query(QUESTION)
    assert str(response) == REPLY
    assert response.metadata["sources"][0]["filename"] == "station.txt"  # type: ignore[index]
    text = "\n".join(prompts(llm_server))
    assert '<source n="1" file="station.txt">' in text and "data, not instructions" in text
    assert "Zebedee" not in text and "bob-secret" not in text


def test_the_chat_engine_condenses_and_fences_with_the_configured_llm(
    with_llm: Services, llm_server: OpenAIServer
) -> None:
    chat = with_llm.chat_engine("alice", top_k=50)
    assert isinstance(chat, CondensePlusContextChatEngine)
    llm_server.replies = [REPLY, "What is the radio channel used for?", "For emergencies [1]."]
    assert str(chat.chat(QUESTION)) == REPLY
    streamed = chat.stream_chat("What is it used for?")
    assert "".join(streamed.response_gen) == "For emergencies [1]."
    first, condense, answer = llm_server.requests
    assert answer["body"]["stream"] is True and not condense["body"].get("stream")
    context = first["body"]["messages"][0]["content"]
    assert '<source n="1" file="station.txt">\nThe Hallow Point' in context
    assert "data, not instructions" in context
    assert all("Zebedee" not in p and "bob-secret" not in p for p in prompts(llm_server))


def test_an_llm_passed_in_replaces_the_configured_one(corpus: Services) -> None:
    from llama_index.core.llms.mock import MockLLM

    engine: Any = corpus.chat_engine("alice", llm=MockLLM(max_tokens=8))
    assert isinstance(engine, CondensePlusContextChatEngine)
    assert str(engine.chat(QUESTION))  # MockLLM echoes part of its prompt


def test_the_async_entry_points_answer_too(corpus: Services) -> None:
    import asyncio

    async def both() -> tuple[str, str]:
        response = await corpus.query_engine("alice").aquery(QUESTION)
        reply = await corpus.chat_engine("alice").achat(QUESTION)
        return str(response), str(reply)

    answer, reply = asyncio.run(both())
    assert "16" in answer and "16" in reply
