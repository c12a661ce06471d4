"""Quotas per person, uploads that never arrive, a new upload target, and deleting a document
while its bytes are arriving."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from service.errors import Forbidden, NotFound, TooLarge
from service.models import DocumentStatus
from service.ports import Principal
from service.wiring import Services

ANN = Principal("ann")


def test_document_quota_per_person(make_services: Callable[..., Services]) -> None:
    svc = make_services(max_documents_per_user=2)
    first = svc.documents.create("ann", "a.txt")
    svc.documents.create("ann", "b.txt")
    with pytest.raises(Forbidden, match="quota"):
        svc.documents.create("ann", "c.txt")
    svc.documents.create("bob", "a.txt")  # another person's quota
    svc.documents.delete(ANN, first.doc_id)
    svc.documents.create("ann", "c.txt")


def test_byte_quota_per_person(make_services: Callable[..., Services]) -> None:
    svc = make_services(max_bytes_per_user=100)
    svc.documents.add("ann", "a.txt", b"x" * 60)
    with pytest.raises(TooLarge, match="quota"):
        svc.documents.create("ann", "b.txt", size=50)
    undeclared = svc.documents.create("ann", "c.txt")
    with pytest.raises(TooLarge):
        svc.documents.receive_bytes(undeclared, [b"y" * 50])
    assert svc.documents.get(ANN, undeclared.doc_id).status is DocumentStatus.FAILED
    svc.documents.add("ann", "d.txt", b"z" * 40)  # what is left fits


def test_upload_that_never_arrived_fails_and_can_be_restarted(
    make_services: Callable[..., Services],
) -> None:
    svc = make_services(upload_url_ttl_s=60)
    doc = svc.documents.create("ann", "late.txt")
    assert svc.documents.expire_uploads(now=datetime.now(UTC)) == 0  # still within its lifetime
    later = datetime.now(UTC) + timedelta(seconds=60 + 600)
    assert svc.documents.expire_uploads(now=later) == 1
    failed = svc.documents.get(ANN, doc.doc_id)
    assert failed.status is DocumentStatus.FAILED and failed.error == "upload never arrived"
    again = svc.documents.restart_upload(ANN, doc.doc_id)
    assert again.status is DocumentStatus.UPLOADING
    assert svc.documents.receive_bytes(again, [b"At last."]).status is DocumentStatus.QUEUED
    with pytest.raises(NotFound):
        svc.documents.restart_upload(Principal("bob"), doc.doc_id)


def test_delete_during_upload_leaves_nothing(make_services: Callable[..., Services]) -> None:
    svc = make_services()
    doc = svc.documents.create("ann", "gone.txt")

    def body() -> Iterator[bytes]:
        yield b"first part "
        svc.documents.delete(ANN, doc.doc_id)  # the owner deletes it mid-upload
        yield b"second part"

    with pytest.raises(NotFound):
        svc.documents.receive_bytes(doc, body())
    assert not [p for p in svc.settings.blob_dir.rglob("*") if p.is_file()]
    assert svc.registry.get(doc.doc_id) is None


def test_rest_new_upload_target(make_services: Callable[..., Services]) -> None:
    from fastapi.testclient import TestClient

    from handlers.local.server import ServerOptions, create_local_app

    svc = make_services()
    client = TestClient(
        create_local_app(svc, ServerOptions(host="127.0.0.1")), base_url="http://127.0.0.1"
    )
    token = client.post("/auth/dev-login", json={"username": "ann"}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post("/documents", json={"filename": "n.txt"}, headers=auth).json()
    doc_id = created["document"]["doc_id"]
    svc.documents.expire_uploads(now=datetime.now(UTC) + timedelta(days=1))
    fresh = client.post(f"/documents/{doc_id}/upload", headers=auth)
    assert fresh.status_code == 200 and fresh.json()["document"]["status"] == "UPLOADING"
    target = fresh.json()["upload"]
    sent = client.put(target["url"], content=b"Arrived.", headers=target["headers"])
    assert sent.status_code == 200 and sent.json()["status"] == "QUEUED"
    again = client.post(f"/documents/{doc_id}/upload", headers=auth)
    assert again.status_code == 409
