"""Conversations and feedback on the real local server (issue 15): the WebSocket announces and
resumes conversations, the REST API lists, renames, rates and deletes them, admins export
feedback as JSON lines (and so does ``rag feedback export``); other people's ids are 404."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import httpx
import pytest

from tests.server.client import Chat, bearer, login, person_with_sample
from tests.server.conftest import ADMIN, RAG, Server

QUESTION = "What can visitors see at the visitor centre?"


@pytest.fixture(scope="module")
def cora(server: Server) -> str:
    return person_with_sample(server, "cora")


def rest(server: Server, method: str, path: str, token: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{server.url}{path}", json=body, headers=bearer(token))


def converse(chat: Chat, rid: str, question: str, **extra: Any) -> tuple[str, str]:
    chat.ask(rid, question, **extra)
    answer = chat.answer(rid)
    assert answer.events[0]["type"] == "conversation", answer.events[:2]
    assert answer.end["type"] == "done", answer.end
    return str(answer.events[0]["conversation_id"]), answer.text


def test_a_conversation_is_announced_kept_and_resumed(server: Server, cora: str) -> None:
    with Chat(server, cora) as chat:
        cid, text = converse(chat, "c1", QUESTION)
    with Chat(server, cora) as chat:  # a new connection (a reload) resumes it
        again, _ = converse(chat, "c2", "And the opening hours?", conversation_id=cid)
    assert again == cid
    got = rest(server, "GET", f"/conversations/{cid}", cora).json()
    assert got["title"] == QUESTION and got["turn_count"] == 2
    assert [t["question"] for t in got["turns"]] == [QUESTION, "And the opening hours?"]
    assert got["turns"][0]["answer"] == text and got["turns"][0]["sources"]
    listed = rest(server, "GET", "/conversations?limit=1", cora).json()
    assert listed["items"][0]["conversation_id"] == cid


def test_client_history_is_refused_on_the_wire(server: Server, cora: str) -> None:
    with Chat(server, cora) as chat:
        chat.ask("h1", "and then?", history=[{"role": "user", "content": "hi"}])
        end = chat.answer("h1").end
    assert (end["type"], end["code"]) == ("error", "bad_request")
    assert "conversation_id" in end["message"]


def test_other_peoples_conversations_are_not_found(server: Server, cora: str) -> None:
    with Chat(server, cora) as chat:
        cid, _ = converse(chat, "o1", QUESTION)
    dan = login(server, "dan")
    with Chat(server, dan) as chat:
        chat.ask("o2", "And then?", conversation_id=cid)
        events = chat.answer("o2").events
    assert [(e["type"], e.get("code")) for e in events] == [("error", "not_found")]
    for method, path, body in (
        ("GET", f"/conversations/{cid}", None),
        ("PATCH", f"/conversations/{cid}", {"title": "mine"}),
        ("DELETE", f"/conversations/{cid}", None),
        ("PUT", f"/conversations/{cid}/turns/0/feedback", {"rating": "down"}),
    ):
        response = rest(server, method, path, dan, body)
        assert response.status_code == 404, (method, response.text)
        assert QUESTION not in response.text
    assert rest(server, "DELETE", "/conversations", dan).status_code == 204
    kept = rest(server, "GET", f"/conversations/{cid}", cora).json()
    assert kept["title"] == QUESTION and kept["turns"][0]["feedback"] is None


def test_a_cancelled_answer_is_kept_marked_cancelled(server: Server, cora: str) -> None:
    with Chat(server, cora) as chat:
        chat.ask("k1", QUESTION)
        cid = chat.wait_for(lambda e: e["type"] == "conversation")["conversation_id"]
        chat.wait_for(lambda e: e["type"] == "token" and e["request_id"] == "k1")
        chat.send({"action": "cancel", "request_id": "k1"})
        assert chat.answer("k1").end["code"] == "cancelled"
    deadline = time.monotonic() + 10
    while (response := rest(server, "GET", f"/conversations/{cid}", cora)).status_code == 404:
        assert time.monotonic() < deadline, "the cancelled turn was not stored"
        time.sleep(0.1)
    [turn] = response.json()["turns"]
    assert turn["cancelled"] is True and turn["question"] == QUESTION


def test_rename_rate_export_and_delete(server: Server, cora: str) -> None:
    with Chat(server, cora) as chat:
        cid, _ = converse(chat, "f1", QUESTION)
    too_long = rest(server, "PATCH", f"/conversations/{cid}", cora, {"title": "x" * 201})
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "bad_request"
    renamed = rest(server, "PATCH", f"/conversations/{cid}", cora, {"title": "Visitor centre"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Visitor centre"
    path = f"/conversations/{cid}/turns/0/feedback"
    assert (
        rest(server, "PUT", path, cora, {"rating": "down", "comment": "x" * 1001}).status_code
        == 400
    )
    assert rest(server, "PUT", path, cora, {"rating": "meh"}).status_code == 400
    for n in ("5", "-1", "99999999999999999999999"):
        path_n = f"/conversations/{cid}/turns/{n}/feedback"
        missing = rest(server, "PUT", path_n, cora, {"rating": "up"})
        assert missing.status_code == 404, (n, missing.text)
    rated = rest(server, "PUT", path, cora, {"rating": "down", "comment": "wrong room"})
    assert rated.status_code == 200 and rated.json()["feedback"]["rating"] == "down"

    assert rest(server, "GET", "/feedback", cora).status_code == 403
    exported = rest(server, "GET", "/feedback?since=2020-01-01T00:00:00Z", login(server, ADMIN))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in exported.text.splitlines()]
    mine = [r for r in lines if r["conversation_id"] == cid]
    assert [(r["owner"], r["n"], r["rating"], r["comment"]) for r in mine] == [
        ("cora", 0, "down", "wrong room")
    ]
    assert mine[0]["question"] == QUESTION and mine[0]["sources"] and mine[0]["settings"]
    assert (
        rest(server, "GET", "/feedback?since=2999-01-01T00:00:00Z", login(server, ADMIN)).text == ""
    )

    cli = subprocess.run(
        [RAG, "--data-dir", str(server.data_dir), "feedback", "export", "--since", "2020-01-01"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert cid in {json.loads(line)["conversation_id"] for line in cli.stdout.splitlines()}

    assert rest(server, "DELETE", f"/conversations/{cid}", cora).status_code == 204
    assert rest(server, "GET", f"/conversations/{cid}", cora).status_code == 404
    assert rest(server, "DELETE", "/conversations", cora).status_code == 204
    assert rest(server, "GET", "/conversations", cora).json() == {"items": [], "next_cursor": None}
