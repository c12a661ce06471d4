"""Chat: events in order, citations with the right file and page, follow-ups, limits."""

from __future__ import annotations

import pytest

from service.answer import NO_ANSWER
from service.chat import MAX_FRAME_BYTES, batch_text, fit_sources
from service.errors import ErrorCode
from service.models import (
    ChatEvent,
    ChatTurn,
    DoneEvent,
    ErrorEvent,
    Source,
    SourcesEvent,
    TokenEvent,
)
from service.wiring import Services
from tests.conftest import ALICE


def answer_of(events: list[ChatEvent]) -> tuple[str, list[Source]]:
    text = "".join(e.text for e in events if isinstance(e, TokenEvent))
    sources = [s for e in events if isinstance(e, SourcesEvent) for s in e.sources]
    return text, sources


def test_events_come_in_protocol_order(corpus: Services) -> None:
    events = list(corpus.chat.ask("alice", "When is the visitor centre open?", request_id="r1"))
    kinds = [e.type for e in events]
    assert kinds[-2:] == ["sources", "done"]
    assert set(kinds[:-2]) == {"token"} and len(kinds) > 3  # streamed in several batches
    assert {e.request_id for e in events} == {"r1"}


@pytest.mark.parametrize(
    ("question", "filename", "page", "expected"),
    [
        ("What is the emergency radio channel?", "field-station-handbook.pdf", 5, "channel 16"),
        ("Who leads Project Atlas?", "field-station-handbook.pdf", 6, "Ingrid Solberg"),
        (
            "How many days a week can staff work remotely?",
            "remote-work-policy.docx",
            None,
            "three days per week",
        ),
        (
            "How many purple sea urchins did the survey count?",
            "kelp-forest-survey.html",
            None,
            "4,180",
        ),
        ("How long are raw sensor readings kept?", "data-pipeline.md", None, "ten years"),
    ],
)
def test_citations_name_the_right_file_and_page(
    corpus: Services, question: str, filename: str, page: int | None, expected: str
) -> None:
    text, sources = answer_of(list(corpus.chat.ask("alice", question)))
    assert expected in text
    assert sources[0].filename == filename and sources[0].page == page
    assert "[1]" in text
    assert [s.n for s in sources] == list(range(1, len(sources) + 1))


def test_follow_up_uses_recent_turns(corpus: Services) -> None:
    first = "What does Project Atlas measure?"
    text1, _ = answer_of(list(corpus.chat.ask("alice", first)))
    assert "tide gauges" in text1
    history = [ChatTurn(role="user", content=first), ChatTurn(role="assistant", content=text1)]
    text2, sources = answer_of(list(corpus.chat.ask("alice", "and who leads it?", history=history)))
    assert "Ingrid Solberg" in text2
    assert (sources[0].filename, sources[0].page) == ("field-station-handbook.pdf", 6)


def test_unrelated_question_says_nothing_was_found(corpus: Services) -> None:
    text, sources = answer_of(list(corpus.chat.ask("alice", "What is the capital of France?")))
    assert text.strip() == NO_ANSWER
    assert sources == []


def test_user_without_documents_gets_no_answer(corpus: Services) -> None:
    text, sources = answer_of(list(corpus.chat.ask("nobody", "What is the radio channel?")))
    assert text.strip() == NO_ANSWER and sources == []


@pytest.mark.parametrize("question", ["", "   \n", "x" * 4001])
def test_empty_or_over_long_question_is_a_clear_error(corpus: Services, question: str) -> None:
    events = list(corpus.chat.ask("alice", question, request_id="bad"))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert events[0].code is ErrorCode.BAD_REQUEST and events[0].request_id == "bad"


def test_scope_to_some_documents(corpus: Services) -> None:
    docx = next(d for d in corpus.documents.list(ALICE).items if d.filename.endswith(".docx"))
    text, sources = answer_of(
        list(
            corpus.chat.ask("alice", "What is the emergency radio channel?", doc_ids=[docx.doc_id])
        )
    )
    assert "channel 16" not in text
    assert {s.doc_id for s in sources} <= {docx.doc_id}


def test_cancel_stops_the_stream(corpus: Services) -> None:
    seen: list[ChatEvent] = []
    for event in corpus.chat.ask(
        "alice", "When is the visitor centre open?", cancelled=lambda: len(seen) >= 1
    ):
        seen.append(event)
    assert len(seen) == 1 and isinstance(seen[0], TokenEvent)
    assert not any(isinstance(e, DoneEvent | SourcesEvent) for e in seen)


def test_frames_stay_under_the_websocket_limit() -> None:
    big = [
        Source(n=i, doc_id="d", filename="f" * 200, page=1, snippet="é\u2028" * 4000, score=1.0)
        for i in range(1, 51)
    ]
    event = fit_sources(SourcesEvent(request_id="r", sources=big))
    assert len(event.model_dump_json().encode()) <= MAX_FRAME_BYTES
    assert len(event.sources) == 50
    pieces = list(batch_text(iter(["\u2028" * 20_000, "tail"])))
    assert "".join(pieces) == "\u2028" * 20_000 + "tail"
    for piece in pieces:
        frame = TokenEvent(request_id="r", text=piece).model_dump_json().encode()
        assert len(frame) <= MAX_FRAME_BYTES
