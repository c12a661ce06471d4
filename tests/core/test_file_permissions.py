"""Local mode keeps its data private: the data directory is 0700 and every file the service
writes (SQLite, blobs, LanceDB files, the secret) has no group or other permissions."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from service.maintenance import run_maintenance
from service.wiring import Services
from tests.conftest import ingest


def test_data_dir_and_every_file_are_private(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)  # as left by an older version or a default umask
    previous = os.umask(0o022)
    try:
        svc = make_services(data_dir=data_dir)
        ingest(svc, "ann", "note.txt", b"A private note about the lighthouse. " * 20)
        run_maintenance(svc.store, retention_s=3600)
    finally:
        os.umask(previous)
    previous = os.umask(0o022)
    try:  # the conversation store is opened lazily, possibly after others changed the umask
        svc.conversations.list("ann", cursor=None, limit=1)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    paths = list(data_dir.rglob("*"))
    assert svc.settings.conversations_path in paths
    assert any(p.suffix == ".lance" for p in paths) and any("blobs" in p.parts for p in paths)
    loose = [
        f"{p.relative_to(data_dir)} {oct(stat.S_IMODE(p.stat().st_mode))}"
        for p in paths
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    assert not loose
