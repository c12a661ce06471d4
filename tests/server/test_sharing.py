"""Sharing over the wire (issue 15): ``PUT /documents/{id}/sharing`` by the owner, a group
member reads, lists and gets answers citing the document; everyone else gets 403 or 404."""

from __future__ import annotations

import httpx

from tests.server.client import Chat, bearer, get_doc, login, upload
from tests.server.conftest import ADMIN, Server

NOTE = (
    "The crew rota: the galley is cleaned by the night watch. The lifeboat drill is held every "
    "second Tuesday at the starboard muster station."
)
QUESTION = "When is the lifeboat drill held?"


def share(server: Server, token: str, doc_id: str, groups: list[str]) -> httpx.Response:
    return httpx.put(
        f"{server.url}/documents/{doc_id}/sharing", json={"groups": groups}, headers=bearer(token)
    )


def test_a_group_member_reads_and_cites_a_shared_document(server: Server) -> None:
    erin, frank, gina = login(server, "erin"), login(server, "frank"), login(server, "gina")
    with Chat(server, erin) as chat_e, Chat(server, frank) as chat_f, Chat(server, gina) as chat_g:
        doc = upload(server, erin, "rota.txt", NOTE.encode())
        doc_id = doc["doc_id"]
        chat_e.wait_document(doc_id, "INDEXED")
        shared = share(server, erin, doc_id, ["crew"])
        assert shared.status_code == 200 and shared.json()["shared_with"] == ["crew"]

        chat_f.ask("f1", QUESTION)
        assert doc_id in {s["doc_id"] for s in chat_f.answer("f1").sources}
        chat_f.ask("f2", QUESTION, doc_ids=[doc_id])
        assert {s["doc_id"] for s in chat_f.answer("f2").sources} == {doc_id}
        chat_g.ask("g1", QUESTION, doc_ids=[doc_id])
        assert chat_g.answer("g1").sources == []

        listed = httpx.get(
            f"{server.url}/documents", params={"scope": "shared"}, headers=bearer(frank)
        ).json()["items"]
        assert [(d["doc_id"], d["owner"]) for d in listed] == [(doc_id, "erin")]
        own = httpx.get(f"{server.url}/documents", headers=bearer(frank)).json()["items"]
        assert doc_id not in {d["doc_id"] for d in own}
        assert get_doc(server, frank, doc_id).status_code == 200
        assert get_doc(server, gina, doc_id).status_code == 404

        # the member may read, not change; anyone else learns nothing
        for token, status in ((frank, 403), (gina, 404)):
            url = f"{server.url}/documents/{doc_id}"
            assert httpx.delete(url, headers=bearer(token)).status_code == status
            assert httpx.post(f"{url}/reindex", headers=bearer(token)).status_code == status
            assert share(server, token, doc_id, ["deck"]).status_code == status

        # unsharing takes effect on the next question
        assert share(server, erin, doc_id, []).json()["shared_with"] == []
        chat_f.ask("f3", QUESTION)
        assert doc_id not in {s["doc_id"] for s in chat_f.answer("f3").sources}
        assert get_doc(server, frank, doc_id).status_code == 404


def test_sharing_refuses_bad_group_names_and_admins_may_share(server: Server) -> None:
    erin, admin = login(server, "erin"), login(server, ADMIN)
    doc = upload(server, erin, "crew-list.txt", b"The crew list for the spring voyage.")
    for bad in (["crew') OR (1=1"], ["x" * 65], [""], ["a,b"], [f"g{i}" for i in range(21)]):
        response = share(server, erin, doc["doc_id"], bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "bad_request"
    assert share(server, admin, doc["doc_id"], ["deck"]).json()["shared_with"] == ["deck"]
    assert get_doc(server, erin, doc["doc_id"]).json()["shared_with"] == ["deck"]
    missing = share(server, erin, "no-such-document", ["crew"])
    assert missing.status_code == 404
