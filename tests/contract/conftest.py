"""Port contract fixtures: every adapter of a port runs the same tests.

To add an adapter, define a fixture that returns it (fresh and empty per test) and append the
fixture's name to the matching list below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.adapters.local_blob import LocalBlobStore
from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_queue import SqliteJobQueue
from service.adapters.sqlite_registry import SqliteRegistry

BLOB_STORES = ["local_blob_store"]
REGISTRIES = ["sqlite_registry"]
QUEUES = ["sqlite_queue"]

# Small timeouts so redelivery is observable quickly; every queue adapter is built with these.
VISIBILITY_TIMEOUT_S = 1
MAX_RECEIVES = 2


@pytest.fixture
def local_blob_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> SqliteRegistry:
    return SqliteRegistry(SqliteDb(tmp_path / "registry.sqlite3"))


@pytest.fixture
def sqlite_queue(tmp_path: Path) -> SqliteJobQueue:
    return SqliteJobQueue(
        SqliteDb(tmp_path / "queue.sqlite3"),
        visibility_timeout_s=VISIBILITY_TIMEOUT_S,
        max_receives=MAX_RECEIVES,
    )


@pytest.fixture(params=BLOB_STORES)
def blob_store(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)


@pytest.fixture(params=REGISTRIES)
def registry(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)


@pytest.fixture(params=QUEUES)
def job_queue(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(request.param)
