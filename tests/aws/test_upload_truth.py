"""The stored bytes and the index never disagree on AWS (moto): a presigned POST replayed after
indexing changes nothing the service reads, and its object is removed."""

from __future__ import annotations

import json
from typing import Any

import httpx

from handlers.aws import admin, ingest
from service.models import DocumentStatus
from service.uploads import STORED_PREFIX
from tests.aws.conftest import FakeContext, Stack
from tests.aws.lambda_events import drain, http_event

ORIGINAL = ("The lighthouse keeper logs the tide at dawn. " * 40).encode()
REPLACEMENT = ("Completely different text about volcano sampling. " * 90).encode()


def create(stack: Stack, user: str, filename: str) -> dict[str, Any]:
    event = http_event("POST", "/documents", stack.tokens[user], {"filename": filename})
    response = admin.handler(event, FakeContext())
    assert response["statusCode"] == 201, response
    created: dict[str, Any] = json.loads(response["body"])
    return created


def post(target: dict[str, Any], data: bytes) -> None:
    response = httpx.post(target["url"], data=target["fields"], files={"file": ("f.txt", data)})
    assert response.status_code in (200, 201, 204), response.text


def keys(stack: Stack, prefix: str) -> list[str]:
    bucket = stack.env["documents_bucket"]
    listed = stack.aws("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_replayed_presigned_post_after_indexing_changes_nothing(stack: Stack) -> None:
    services = ingest._services()
    created = create(stack, "alice", "tides.txt")
    doc_id, upload_key = created["document"]["doc_id"], created["upload"]["fields"]["key"]
    post(created["upload"], ORIGINAL)

    def status() -> DocumentStatus | None:
        doc = services.registry.get(doc_id)
        return doc.status if doc else None

    drain(stack, ingest.handler, until=lambda: status() is DocumentStatus.INDEXED)
    indexed = services.registry.get(doc_id)
    assert indexed is not None and indexed.status is DocumentStatus.INDEXED
    assert indexed.blob_key.startswith(f"{STORED_PREFIX}{indexed.owner}/{doc_id}/")
    assert indexed.size == len(ORIGINAL)
    assert keys(stack, upload_key) == []  # the upload object was moved in, not left writable

    post(created["upload"], REPLACEMENT)  # the same presigned POST, used again
    assert keys(stack, upload_key) == [upload_key]
    drain(stack, ingest.handler, until=lambda: keys(stack, upload_key) == [])

    assert keys(stack, upload_key) == []  # the replay's object is removed
    after = services.registry.get(doc_id)
    assert after == indexed  # same status, size, version, blob key
    stored = services.blobs.read(after.blob_key, max_bytes=10_000_000)
    assert stored == ORIGINAL and len(stored) == after.size
    assert after.sha256 is not None and len(after.sha256) == 64
    texts = " ".join(n.get_content() for n in services.store.get_nodes(owner=after.owner))
    assert "lighthouse" in texts and "volcano" not in texts


def test_upload_for_no_document_is_removed(stack: Stack) -> None:
    services = ingest._services()
    key = f"documents/{stack.subs['bob']}/{'f' * 32}"
    services.blobs.put(key, [b"orphan bytes"], max_bytes=1000)  # moto notifies the queue
    drain(stack, ingest.handler, until=lambda: keys(stack, key) == [])
    assert keys(stack, key) == []


def test_delete_removes_stored_and_upload_objects(stack: Stack) -> None:
    services = ingest._services()
    created = create(stack, "bob", "short.txt")
    doc_id = created["document"]["doc_id"]
    post(created["upload"], ORIGINAL)

    def indexed() -> bool:
        doc = services.registry.get(doc_id)
        return doc is not None and doc.status is DocumentStatus.INDEXED

    drain(stack, ingest.handler, until=indexed)
    doc = services.registry.get(doc_id)
    assert doc is not None
    post(created["upload"], REPLACEMENT)  # a replay whose notification is not handled yet
    event = http_event("DELETE", f"/documents/{doc_id}", stack.tokens["bob"])
    assert admin.handler(event, FakeContext())["statusCode"] == 204
    assert keys(stack, f"{STORED_PREFIX}{doc.owner}/{doc_id}/") == []
    assert keys(stack, created["upload"]["fields"]["key"]) == []
