"""Administrators list and delete every user's documents; other users cannot."""

from __future__ import annotations

import httpx

from tests.server.client import bearer, get_doc, login, upload
from tests.server.conftest import ADMIN, Server


def test_admin_lists_and_deletes_another_users_document(server: Server) -> None:
    carol, dave, admin = login(server, "carol"), login(server, "dave"), login(server, ADMIN)
    doc = upload(server, carol, "carol-notes.txt", b"Carol's notes about the tide tables.")
    assert httpx.get(f"{server.url}/me", headers=bearer(admin)).json()["is_admin"] is True

    everyone = httpx.get(
        f"{server.url}/documents", params={"scope": "all", "limit": 200}, headers=bearer(admin)
    )
    assert doc["doc_id"] in {d["doc_id"] for d in everyone.json()["items"]}
    assert get_doc(server, admin, doc["doc_id"]).json()["owner"] == "carol"
    own = httpx.get(f"{server.url}/documents", headers=bearer(admin)).json()["items"]
    assert doc["doc_id"] not in {d["doc_id"] for d in own}, "scope defaults to own documents"

    denied = httpx.get(f"{server.url}/documents", params={"scope": "all"}, headers=bearer(dave))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    not_his = httpx.delete(f"{server.url}/documents/{doc['doc_id']}", headers=bearer(dave))
    assert not_his.status_code == 404
    reindex = httpx.post(f"{server.url}/documents/{doc['doc_id']}/reindex", headers=bearer(dave))
    assert reindex.status_code == 404
    assert get_doc(server, carol, doc["doc_id"]).status_code == 200

    deleted = httpx.delete(f"{server.url}/documents/{doc['doc_id']}", headers=bearer(admin))
    assert deleted.status_code == 204
    assert get_doc(server, carol, doc["doc_id"]).status_code == 404
