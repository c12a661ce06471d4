"""The chat WebSocket under stress: bad messages, several questions at once, a client that
leaves mid-answer."""

from __future__ import annotations

import re
import time

import pytest

from tests.server.client import Chat, person_with_sample
from tests.server.conftest import Server

QUESTION = "What can visitors see at the visitor centre?"


@pytest.fixture(scope="module")
def wes(server: Server) -> str:
    """A user with the visitor FAQ indexed (answers of a few dozen words)."""
    return person_with_sample(server, "wes")


def test_unknown_action_and_bad_json_keep_the_connection(server: Server, wes: str) -> None:
    with Chat(server, wes) as chat:
        for bad in (
            '{"action": "dance", "request_id": "r1"}',
            "{not json",
            "[1, 2]",
            '{"action": "ask", "request_id": "r2"}',
            '{"action": "ask", "request_id": "r3", "question": "   "}',
        ):
            chat.send(bad)
            event = chat.wait_for(lambda e: e["type"] == "error", 5)
            assert event["code"] == "bad_request", bad
        chat.send({"action": "ping"})
        assert chat.wait_for(lambda e: e["type"] == "pong", 5) == {"type": "pong"}
        chat.ask("ok", "Anything at all?")
        assert chat.answer("ok").end["type"] == "done"


def test_several_questions_in_flight_on_one_connection(server: Server, wes: str) -> None:
    with Chat(server, wes) as chat:
        for rid in ("a", "b", "c"):
            chat.ask(rid, QUESTION)
        chat.send({"action": "ping"})
        events: list[dict[str, object]] = []
        while sum(e["type"] in ("done", "error") for e in events) < 3:
            events.append(chat.wait_for(lambda e: e.get("request_id") in ("a", "b", "c", None)))
        ends = [e for e in events if e["type"] in ("done", "error")]
        assert sorted((e["request_id"], e["type"]) for e in ends) == [
            ("a", "done"),
            ("b", "done"),
            ("c", "done"),
        ], ends
        spans = {
            rid: [i for i, e in enumerate(events) if e.get("request_id") == rid] for rid in "abc"
        }
        overlapping = [
            (x, y)
            for x in "abc"
            for y in "abc"
            if x < y and spans[x][0] < spans[y][-1] and spans[y][0] < spans[x][-1]
        ]
        assert overlapping, f"answers ran one after another: {[e['type'] for e in events]}"
        assert events.index({"type": "pong"}) < len(events) - 1, "ping answered mid-stream"
        for rid in "abc":
            sources = [
                s
                for e in events
                if e.get("request_id") == rid and e["type"] == "sources"
                for s in e["sources"]
            ]  # type: ignore[attr-defined]
            assert sources and {s["filename"] for s in sources} == {"visitor-faq.txt"}
        chat.ask("a", QUESTION)  # a finished request id may be used again
        assert chat.answer("a").end["type"] == "done"


def test_client_leaving_mid_answer_stops_its_generation(server: Server, wes: str) -> None:
    token = wes
    with Chat(server, token) as full:
        full.ask("full", "What does the visitor FAQ say about parking?")
        complete = full.answer("full")
    assert complete.end["type"] == "done"
    frames = len(complete.events)

    leaving = Chat(server, token)
    leaving.ask("gone-1", "What does the visitor FAQ say about parking?")
    leaving.wait_for(lambda e: e.get("type") == "token")
    left_at = time.monotonic()
    leaving.ws.close()
    with Chat(server, token) as other:
        other.ask("other", QUESTION)
        assert other.answer("other").end["type"] == "done", "nothing else is affected"
    line = wait_log(server, r"chat request gone-1 ended: (\w+) after (\d+) frames")
    assert line.group(1) == "disconnected"
    assert int(line.group(2)) < frames - 2, "the answer stopped well before its end"
    assert time.monotonic() - left_at < 10


def wait_log(server: Server, pattern: str, timeout_s: float = 10) -> re.Match[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := re.search(pattern, server.log()):
            return found
        time.sleep(0.05)
    raise AssertionError(f"{pattern!r} not in the server log")
