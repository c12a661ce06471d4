"""Upload URLs: the size limit while streaming (413, nothing stored), single use, bound to
one document."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx

from tests.server.client import bearer, create, get_doc, login, send_upload, upload
from tests.server.conftest import MAX_UPLOAD, Server


def blob_path(server: Server, doc: dict[str, str]) -> object:
    return server.data_dir / "blobs" / doc["blob_key"]


def test_declared_too_large_is_refused_at_create(server: Server) -> None:
    token = login(server, "frank")
    response = httpx.post(
        f"{server.url}/documents",
        headers=bearer(token),
        json={"filename": "big.txt", "size": MAX_UPLOAD + 1},
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_oversized_upload_413_and_nothing_stored(server: Server) -> None:
    token = login(server, "frank")
    for body in (b"x" * (MAX_UPLOAD + 1), chunked(MAX_UPLOAD * 2)):
        created = create(server, token, "big.txt")  # size not declared: caught while streaming
        response = send_upload(created["upload"], body)
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "too_large"
        doc = created["document"]
        assert not (server.data_dir / "blobs" / doc["blob_key"]).exists()
        leftovers = list((server.data_dir / "blobs" / "documents" / "frank").glob(".upload-*"))
        assert leftovers == []
        refused = get_doc(server, token, doc["doc_id"]).json()
        assert refused["status"] == "FAILED"  # not left dangling in UPLOADING
        assert "larger than the limit" in refused["error"]


def chunked(total: int) -> Iterator[bytes]:
    """A body without Content-Length (chunked transfer encoding)."""
    sent = 0
    while sent < total:
        sent += 16_384
        yield b"y" * 16_384


def test_upload_url_is_single_use(server: Server) -> None:
    token = login(server, "gina")
    created = create(server, token, "once.txt")
    assert "Authorization" not in created["upload"]["headers"]
    first = send_upload(created["upload"], b"The first upload.")
    assert first.status_code == 200 and first.json()["status"] == "QUEUED"
    again = send_upload(created["upload"], b"A second upload replacing the first.")
    assert again.status_code == 403 and again.json()["error"]["code"] == "forbidden"


def test_upload_url_for_another_document_is_refused(server: Server) -> None:
    gina, hugo = login(server, "gina"), login(server, "hugo")
    mine = create(server, gina, "mine.txt")
    theirs = create(server, hugo, "theirs.txt")
    url = urlsplit(mine["upload"]["url"])
    forged = dict(mine["upload"])
    forged["url"] = url._replace(path=f"/uploads/{theirs['document']['doc_id']}").geturl()
    response = send_upload(forged, b"Gina writes into Hugo's document.")
    assert response.status_code == 403
    assert get_doc(server, hugo, theirs["document"]["doc_id"]).json()["status"] == "UPLOADING"
    assert not (server.data_dir / "blobs" / theirs["document"]["blob_key"]).exists()
    tampered = dict(mine["upload"])
    tampered["url"] = mine["upload"]["url"].replace("signature=", "signature=0")
    assert send_upload(tampered, b"no").status_code == 403
    assert send_upload(mine["upload"], b"Gina's own text.").status_code == 200


def test_upload_then_reindex(server: Server) -> None:
    token = login(server, "ivan")
    doc = upload(server, token, "ivan.txt", b"Ivan keeps bees on the roof of the station.")
    from tests.server.client import wait_status

    wait_status(server, token, doc["doc_id"], "INDEXED")
    again = httpx.post(f"{server.url}/documents/{doc['doc_id']}/reindex", headers=bearer(token))
    assert again.status_code == 202 and again.json()["version"] == doc["version"] + 1
    wait_status(server, token, doc["doc_id"], "INDEXED")
