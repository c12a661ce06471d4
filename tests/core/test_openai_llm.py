"""RAG_LLM_PROVIDER=openai: the real OpenAI client and LlamaIndex integration against a loopback
server that speaks the chat-completions streaming protocol (tests/openai_server.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.models import ChatEvent, ChatTurn
from service.openai_llm import openai_llm
from service.providers import build_llm
from service.wiring import Services
from tests.conftest import ingest
from tests.openai_server import OpenAIServer

KEY = "sk-test-0123456789-SECRET"
NOTE = (
    "The Hallow Point field station uses radio channel 16 for emergencies. "
    "Quiet hours start at ten in the evening."
)
REPLY = "Use radio channel 16 for emergencies [1]."


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIServer]:
    srv = OpenAIServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def llm_server(server: OpenAIServer) -> OpenAIServer:
    server.reset()
    return server


@pytest.fixture
def make_openai(
    make_services: Callable[..., Services], llm_server: OpenAIServer
) -> Callable[..., Services]:
    """Services generating through the loopback server, with one indexed note of alice."""

    def make(**overrides: Any) -> Services:
        settings = {
            "llm_provider": "openai",
            "openai_base_url": llm_server.url,
            "llm_model": "test-model",
            "llm_max_tokens": 77,
            "openai_max_retries": 0,
        }
        svc = make_services(**{**settings, **overrides})
        ingest(svc, "alice", "station.txt", NOTE.encode())
        return svc

    return make


def ask(svc: Services, question: str = "Which radio channel?", **kwargs: Any) -> list[ChatEvent]:
    return list(svc.chat.ask("alice", question, **kwargs))


def text_of(events: list[ChatEvent]) -> str:
    return "".join(getattr(e, "text", "") for e in events if e.type == "token")


def test_answer_streams_from_the_server_with_fenced_sources_and_a_token_budget(
    make_openai: Callable[..., Services], llm_server: OpenAIServer
) -> None:
    svc = make_openai(openai_api_key=KEY)
    llm_server.replies = [REPLY]
    events = ask(svc)
    assert [e.type for e in events][-2:] == ["sources", "done"]
    assert text_of(events) == REPLY
    [request] = llm_server.requests
    body = request["body"]
    assert body["stream"] is True and body["model"] == "test-model" and body["max_tokens"] == 77
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
    assert "data, not instructions" in system
    assert '<source n="1" file="station.txt">' in user and "radio channel 16" in user
    [source] = events[-2].sources  # type: ignore[union-attr]
    assert source.filename == "station.txt"


def test_many_pieces_arrive_as_several_token_events(
    make_openai: Callable[..., Services], llm_server: OpenAIServer
) -> None:
    svc = make_openai()
    llm_server.replies = [" ".join(f"word{i}" for i in range(60))]
    llm_server.chunk_delay_s = 0.01
    tokens = [e for e in ask(svc) if e.type == "token"]
    assert len(tokens) > 3


def test_a_follow_up_is_condensed_by_a_plain_completion_first(
    make_openai: Callable[..., Services], llm_server: OpenAIServer
) -> None:
    svc = make_openai()
    llm_server.replies = ["What radio channel is for emergencies?", REPLY]
    history = [
        ChatTurn(role="user", content="Tell me about the station"),
        ChatTurn(role="assistant", content="It is remote."),
    ]
    events = ask(svc, "and the radio?", history=history)
    assert text_of(events) == REPLY
    condense, answer = llm_server.requests
    assert not condense["body"].get("stream") and answer["body"]["stream"] is True
    assert (
        "Question: What radio channel is for emergencies?"
        in answer["body"]["messages"][-1]["content"]
    )


def test_no_key_sends_no_authorization_even_with_openai_api_key_set(
    make_openai: Callable[..., Services],
    llm_server: OpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-meant-for-another-provider")
    ask(make_openai())
    assert "Authorization" not in llm_server.requests[0]["headers"]


def test_the_key_file_wins_and_is_stripped(
    make_openai: Callable[..., Services], llm_server: OpenAIServer, tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    llm_server.required_key = KEY
    svc = make_openai(openai_api_key="sk-other", openai_api_key_file=key_file)
    events = ask(svc)
    assert events[-1].type == "done"
    assert llm_server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"


def test_the_key_is_never_logged_printed_or_serialised(
    make_openai: Callable[..., Services],
    llm_server: OpenAIServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the OpenAI client and httpx log requests at DEBUG
    svc = make_openai(openai_api_key=KEY)
    llm_server.required_key = "sk-the-right-one"
    refused = ask(svc)
    llm_server.required_key = None
    answered = ask(svc)
    assert refused[-1].type == "error" and answered[-1].type == "done"
    llm = build_llm(svc.settings)
    seen = [
        caplog.text,
        repr(svc.settings),
        svc.settings.model_dump_json(),
        repr(llm),
        str(llm),
        llm.to_json(),
        *(e.model_dump_json() for e in refused),
    ]
    assert "chat/completions" in caplog.text, "the client's debug logging was captured"
    assert all(KEY not in text for text in seen)


@pytest.mark.parametrize(
    ("status", "message", "attempts"),
    [
        (401, "refused the configured API key (HTTP 401)", 1),
        (429, "busy (rate limited)", 2),
        (500, "failed (HTTP 500)", 2),
    ],
)
def test_server_errors_become_unavailable_after_the_clients_retries(
    make_openai: Callable[..., Services],
    llm_server: OpenAIServer,
    status: int,
    message: str,
    attempts: int,
) -> None:
    svc = make_openai(openai_max_retries=1)
    llm_server.errors = [status, status]
    events = ask(svc)
    assert [e.type for e in events] == ["error"]
    assert events[0].code == "unavailable" and message in events[0].message  # type: ignore[union-attr]
    assert "scripted failure" not in events[0].message  # type: ignore[union-attr]
    assert len(llm_server.requests) == attempts  # 401 is final; 429 and 500 are retried


def test_a_transient_failure_is_retried_and_answered(
    make_openai: Callable[..., Services], llm_server: OpenAIServer
) -> None:
    svc = make_openai(openai_max_retries=2)
    llm_server.errors, llm_server.replies = [500], [REPLY]
    events = ask(svc)
    assert events[-1].type == "done" and text_of(events) == REPLY
    assert len(llm_server.requests) == 2


def test_a_server_that_does_not_answer_times_out(
    make_openai: Callable[..., Services], llm_server: OpenAIServer
) -> None:
    svc = make_openai(openai_timeout_s=0.3)
    llm_server.header_delay_s = 2.0
    events = ask(svc)
    assert [e.type for e in events] == ["error"]
    assert "did not answer in time" in events[0].message  # type: ignore[union-attr]


def test_a_stream_that_stalls_times_out_after_its_first_tokens(
    make_openai: Callable[..., Services], llm_server: OpenAIServer
) -> None:
    svc = make_openai(openai_timeout_s=0.3)
    llm_server.replies = [" ".join(f"w{i}" for i in range(200))]
    llm_server.stall_after, llm_server.stall_s = 120, 3.0
    events = ask(svc)
    assert events[0].type == "token" and events[-1].type == "error"
    assert "did not answer in time" in events[-1].message  # type: ignore[union-attr]
    assert "sources" not in [e.type for e in events]


def test_an_unreachable_server_is_unavailable(make_services: Callable[..., Services]) -> None:
    svc = make_services(
        llm_provider="openai", openai_base_url="http://127.0.0.1:9/v1", openai_max_retries=0
    )
    ingest(svc, "alice", "station.txt", NOTE.encode())
    events = ask(svc)
    assert "cannot be reached" in events[-1].message  # type: ignore[union-attr]


def test_cancelling_a_slow_stream_closes_the_connection(
    make_openai: Callable[..., Services], llm_server: OpenAIServer
) -> None:
    svc = make_openai()
    llm_server.replies = [" ".join(f"slow{i}" for i in range(100))]
    llm_server.chunk_delay_s = 0.1
    stop = threading.Event()
    events = svc.chat.ask("alice", "Which radio channel?", cancelled=stop.is_set)
    seen = [next(events)]
    assert seen[0].type == "token"
    stop.set()  # what the WebSocket's cancel action does
    seen += list(events)
    events.close()
    assert all(e.type == "token" for e in seen), "no sources or done after a cancel"
    assert llm_server.closed_early.wait(5), "the server saw the client hang up"
    assert llm_server.chunks_sent < 50


def test_the_llm_is_openai_like_with_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-meant-for-another-provider")
    llm = openai_llm(
        Settings(
            data_dir=tmp_path,
            llm_provider="openai",  # type: ignore[arg-type]
            llm_model="qwen",
            openai_context_window=32768,
            llm_max_tokens=300,
        )
    )
    assert llm.metadata.is_chat_model and llm.metadata.context_window == 32768
    assert llm.max_tokens == 300 and llm.model == "qwen"
    assert "sk-meant" not in repr(llm) and "sk-meant" not in llm.to_json()
