"""Contract of the BlobStore port."""

from __future__ import annotations

import hashlib

import pytest

from service.errors import NotFound, TooLarge
from service.ports import BlobStore

KEY = "documents/alice/doc1"


def test_put_streams_and_reports_size_and_hash(blob_store: BlobStore) -> None:
    chunks = [b"hello ", b"world", b"!" * 10_000]
    stored = blob_store.put(KEY, iter(chunks), max_bytes=1_000_000)
    data = b"".join(chunks)
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert blob_store.read(KEY, max_bytes=1_000_000) == data
    assert blob_store.exists(KEY)


def test_put_over_limit_stores_nothing(blob_store: BlobStore) -> None:
    with pytest.raises(TooLarge):
        blob_store.put(KEY, iter([b"x" * 600, b"x" * 600]), max_bytes=1000)
    assert not blob_store.exists(KEY)


def test_overwrite_replaces_content(blob_store: BlobStore) -> None:
    blob_store.put(KEY, [b"first"], max_bytes=100)
    blob_store.put(KEY, [b"second"], max_bytes=100)
    assert blob_store.read(KEY, max_bytes=100) == b"second"


def test_read_missing_is_not_found(blob_store: BlobStore) -> None:
    with pytest.raises(NotFound):
        blob_store.read("documents/alice/missing", max_bytes=100)


def test_read_refuses_objects_over_limit(blob_store: BlobStore) -> None:
    blob_store.put(KEY, [b"x" * 200], max_bytes=1000)
    with pytest.raises(TooLarge):
        blob_store.read(KEY, max_bytes=100)


def test_delete_is_idempotent(blob_store: BlobStore) -> None:
    blob_store.put(KEY, [b"data"], max_bytes=100)
    blob_store.delete(KEY)
    blob_store.delete(KEY)
    assert not blob_store.exists(KEY)
