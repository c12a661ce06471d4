"""The full story over real HTTP and a real WebSocket: two users, the two-step upload, live
status, a streamed answer citing file and page, a cancelled question, delete, isolation."""

from __future__ import annotations

import httpx

from tests.conftest import SAMPLES
from tests.server.client import Chat, bearer, get_doc, login, upload
from tests.server.conftest import Server

PDF = "field-station-handbook.pdf"
QUESTION = "What is the emergency radio channel?"


def test_full_story(server: Server) -> None:
    alice, bob = login(server, "alice"), login(server, "bob")
    with Chat(server, alice) as chat_a, Chat(server, alice) as tab_a, Chat(server, bob) as chat_b:
        doc = upload(server, alice, PDF, (SAMPLES / PDF).read_bytes())
        assert doc["status"] == "QUEUED" and doc["owner"] == "alice"
        chat_a.wait_document(doc["doc_id"], "PROCESSING")
        indexed = chat_a.wait_document(doc["doc_id"], "INDEXED")
        assert tab_a.wait_document(doc["doc_id"], "INDEXED") == indexed, "every open connection"
        assert indexed == {
            "type": "document",
            "doc_id": doc["doc_id"],
            "status": "INDEXED",
            "error": None,
        }

        chat_a.ask("q1", QUESTION)
        answer = chat_a.answer("q1")
        assert answer.end["type"] == "done"
        kinds = [e["type"] for e in answer.events]
        assert kinds[0] == "conversation"  # issue 15: the conversation's id comes first
        assert kinds[-2:] == ["sources", "done"] and set(kinds[1:-2]) == {"token"}
        assert len(kinds) > 3, "the answer streams in several token frames"
        assert "16" in answer.text
        assert (answer.sources[0]["filename"], answer.sources[0]["page"]) == (PDF, 5)
        assert answer.sources[0]["doc_id"] == doc["doc_id"]

        chat_a.ask("q2", "Who leads Project Atlas?")
        first = chat_a.wait_for(
            lambda e: e.get("request_id") == "q2" and e["type"] != "conversation"
        )
        assert first["type"] == "token"
        chat_a.send({"action": "cancel", "request_id": "q2"})
        cancelled = chat_a.answer("q2")
        assert cancelled.end["code"] == "cancelled"
        assert [e["type"] for e in cancelled.events if e["type"] in ("sources", "done")] == []

        # Bob sees nothing of Alice's: no events, no record, no citation, no delete.
        chat_b.ask("b1", QUESTION)
        assert all(s["doc_id"] != doc["doc_id"] for s in chat_b.answer("b1").sources)
        assert not [e for e in chat_b.backlog if e.get("type") == "document"]
        assert get_doc(server, bob, doc["doc_id"]).status_code == 404
        listed = httpx.get(f"{server.url}/documents", headers=bearer(bob)).json()["items"]
        assert doc["doc_id"] not in {d["doc_id"] for d in listed}
        gone = httpx.delete(f"{server.url}/documents/{doc['doc_id']}", headers=bearer(bob))
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"

        deleted = httpx.delete(f"{server.url}/documents/{doc['doc_id']}", headers=bearer(alice))
        assert deleted.status_code == 204
        assert get_doc(server, alice, doc["doc_id"]).status_code == 404
        chat_a.ask("q3", QUESTION)
        after = chat_a.answer("q3")
        assert after.end["type"] == "done"
        assert all(s["doc_id"] != doc["doc_id"] for s in after.sources)
        assert PDF not in {s["filename"] for s in after.sources}


def test_me_and_rest_basics(server: Server) -> None:
    token = login(server, "ursula")
    me = httpx.get(f"{server.url}/me", headers=bearer(token))
    assert me.json() == {"user_id": "ursula", "is_admin": False}
    docs = [
        upload(server, token, f"note-{i}.txt", f"Note {i} about walruses.".encode())
        for i in range(3)
    ]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{server.url}/documents", params=params, headers=bearer(token)).json()
        seen += [d["doc_id"] for d in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(d["doc_id"] for d in docs)
    wrong_method = httpx.patch(f"{server.url}/documents", headers=bearer(token))
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    bad = httpx.get(f"{server.url}/documents", params={"limit": 0}, headers=bearer(token))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert {
        "/health",
        "/me",
        "/documents",
        "/documents/{doc_id}",
        "/documents/{doc_id}/reindex",
    } <= set(schema["paths"])
    assert "CreateDocumentResponse" in schema["components"]["schemas"]
