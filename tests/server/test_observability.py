"""Observability of the local server: one request id in every log line of a question (edge,
retrieval, end) and of a REST call, and the admin-only Prometheus ``/metrics``."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from tests.server.client import Chat, bearer, login, upload
from tests.server.conftest import ADMIN, Server


def _log_lines(server: Server) -> list[dict[str, Any]]:
    lines = []
    for raw in server.log().splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # a line some library printed directly
    return lines


def _metric(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_a_question_logs_one_request_id_at_the_edge_and_in_retrieval(server: Server) -> None:
    token = login(server, "olga")
    doc = upload(server, token, "olga-tides.txt", b"The harbour tide gauge is read at dawn.")
    client_rid = f"q-{uuid.uuid4().hex[:8]}"
    with Chat(server, token) as chat:
        chat.wait_document(doc["doc_id"], "INDEXED")
        chat.ask(client_rid, "When is the tide gauge read?")
        assert chat.answer(client_rid).end["type"] == "done"

    lines = _log_lines(server)
    edge = [line for line in lines if f"chat request {client_rid} asked" in line["message"]]
    assert len(edge) == 1 and edge[0].get("request_id"), edge
    rid = edge[0]["request_id"]
    assert rid != client_rid, "the server makes its own id: the client's is per connection"
    mine = [line["message"] for line in lines if line.get("request_id") == rid]
    assert any(m.startswith("retrieved ") for m in mine), mine
    assert any(f"chat request {client_rid} ended: done" in m for m in mine), mine
    others = [line for line in lines if line.get("request_id") not in (None, rid)]
    assert all(client_rid not in line["message"] for line in others)


def test_a_rest_call_is_logged_and_answered_with_its_request_id(server: Server) -> None:
    token = login(server, "olga")
    response = httpx.get(f"{server.url}/me", headers={**bearer(token), "X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
    access = [x for x in _log_lines(server) if x.get("request_id") == "abc-123"]
    assert any("GET /me 200" in line["message"] for line in access), access

    forged = httpx.get(f"{server.url}/me", headers={**bearer(token), "X-Request-Id": 'a"b' * 50})
    fresh = forged.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh), "an unusable caller id is replaced"


def test_metrics_are_for_admins_only(server: Server) -> None:
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    forbidden = httpx.get(f"{server.url}/metrics", headers=bearer(login(server, "olga")))
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"
    assert "rag_questions_total" not in forbidden.text


def test_metrics_count_questions_answers_and_ingestion(server: Server) -> None:
    admin, token = bearer(login(server, ADMIN)), login(server, "piet")
    before = httpx.get(f"{server.url}/metrics", headers=admin)
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain")
    doc = upload(server, token, "piet.txt", b"The lighthouse lamp is cleaned every Sunday.")
    with Chat(server, token) as chat:
        chat.wait_document(doc["doc_id"], "INDEXED")
        chat.ask("a", "When is the lighthouse lamp cleaned?")
        assert chat.answer("a").end["type"] == "done"
        chat.ask("b", "What colour is the submarine volcano's ash?")
        assert chat.answer("b").end["type"] == "done"
    after = httpx.get(f"{server.url}/metrics", headers=admin).text

    def grew(name: str, labels: str = "") -> float:
        return _metric(after, name, labels) - _metric(before.text, name, labels)

    assert grew("rag_questions_total", '{outcome="answered"}') >= 1
    assert grew("rag_questions_total", '{outcome="not_found"}') >= 1
    assert grew("rag_answer_seconds_count") >= 2
    assert grew("rag_first_token_seconds_count") >= 2
    assert grew("rag_retrieval_seconds_count") >= 2
    assert grew("rag_ingestions_total", '{outcome="indexed"}') >= 1
    assert grew("rag_ingestion_seconds_count", '{outcome="indexed"}') >= 1
    assert "rag_llm_cost_usd_total" in after  # 0 offline: the extractive answerer uses no LLM


def test_usage_is_for_admins_and_counts_each_persons_questions(server: Server) -> None:
    assert httpx.get(f"{server.url}/usage").status_code == 401
    olga = bearer(login(server, "olga"))
    assert httpx.get(f"{server.url}/usage", headers=olga).status_code == 403
    admin, token = bearer(login(server, ADMIN)), login(server, "quinn")
    before = httpx.get(f"{server.url}/usage", params={"days": 7}, headers=admin).json()
    doc = upload(server, token, "quinn.txt", b"The ferry leaves the north pier at noon.")
    with Chat(server, token) as chat:
        chat.wait_document(doc["doc_id"], "INDEXED")
        for rid in ("u1", "u2"):
            chat.ask(rid, "When does the ferry leave?")
            assert chat.answer(rid).end["type"] == "done"
    report = httpx.get(f"{server.url}/usage", params={"days": 30}, headers=admin).json()
    assert report["days"] == 30 and len(report["daily"]) == 30
    quinn = next(p for p in report["people"] if p["user_id"] == "quinn")
    assert quinn["questions"] == 2 and quinn["documents"] == 1 and quinn["failures"] == 0
    assert quinn["cost_usd"] == 0.0  # offline answers use no priced model
    today = report["daily"][-1]
    assert today["day"] == report["until"]
    assert today["questions"] >= before["daily"][-1]["questions"] + 2
    assert report["total"]["questions"] >= 2
    bad = httpx.get(f"{server.url}/usage", params={"days": 0}, headers=admin)
    assert bad.status_code == 400


def test_an_ingestion_job_logs_one_request_id(server: Server) -> None:
    token = login(server, "rosa")
    doc = upload(server, token, "rosa.txt", b"The weather buoy reports every ten minutes.")
    with Chat(server, token) as chat:
        chat.wait_document(doc["doc_id"], "INDEXED")
    lines = _log_lines(server)
    start = [x for x in lines if x["message"].startswith(f"ingesting {doc['doc_id']} ")]
    assert len(start) == 1 and start[0].get("request_id")
    others = [
        x for x in lines if x is not start[0] and x.get("request_id") == start[0]["request_id"]
    ]
    assert all("chat request" not in x["message"] for x in others), "no other request's lines"
