"""Blob store in a local directory."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from service.errors import BadRequest, NotFound, TooLarge
from service.ports import StoredBlob

_KEY = re.compile(r"^[A-Za-z0-9_\-@+.]+(/[A-Za-z0-9_\-@+.]+)*$")


class LocalBlobStore:
    """Stores each object as a file under ``root``; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or any(part in ("", ".", "..") for part in key.split("/")):
            raise BadRequest("invalid blob key")
        return self._root / key

    def put(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Stream ``chunks`` to the object; past ``max_bytes`` nothing is kept."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"file is larger than the limit of {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredBlob(size=size, sha256=digest.hexdigest())

    def read(self, key: str, *, max_bytes: int) -> bytes:
        """The object's bytes."""
        path = self._path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise NotFound("the document's file is missing") from None
        if size > max_bytes:
            raise TooLarge(f"file is larger than the limit of {max_bytes} bytes")
        return path.read_bytes()

    def delete(self, key: str) -> None:
        """Remove the object if present."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return self._path(key).is_file()
