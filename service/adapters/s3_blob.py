"""Blob store in an S3 bucket, and the presigned POST that lets browsers upload straight to it."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from typing import Any

from service.errors import NotFound, TooLarge
from service.models import UploadTarget
from service.ports import StoredBlob

_SPOOL_BYTES = 8 * 1024 * 1024  # larger uploads spill to /tmp (Lambda's only writable place)


def _is_missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return str(code) in {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    """Objects in ``bucket``; ``client`` is a boto3 S3 client."""

    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._client = client

    def put(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Stream ``chunks`` into one object; past ``max_bytes`` nothing is written."""
        digest = hashlib.sha256()
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"file is larger than the limit of {max_bytes} bytes")
                digest.update(chunk)
                spool.write(chunk)
            spool.seek(0)
            self._client.upload_fileobj(spool, self._bucket, key)
        return StoredBlob(size=size, sha256=digest.hexdigest())

    def read(self, key: str, *, max_bytes: int) -> bytes:
        """The object's bytes; ``NotFound`` if absent, ``TooLarge`` past ``max_bytes``."""
        try:
            out = self._client.get_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.ClientError as exc:
            if _is_missing(exc):
                raise NotFound("the document's file is missing") from None
            raise
        body = out["Body"]
        try:
            if int(out.get("ContentLength", 0)) > max_bytes:
                raise TooLarge(f"file is larger than the limit of {max_bytes} bytes")
            data: bytes = body.read(max_bytes + 1)
        finally:
            body.close()
        if len(data) > max_bytes:
            raise TooLarge(f"file is larger than the limit of {max_bytes} bytes")
        return data

    def delete(self, key: str) -> None:
        """Remove the object; absent is not an error (S3 delete is idempotent)."""
        self._client.delete_object(Bucket=self._bucket, Key=key)

    def copy(self, source: str, target: str) -> int:
        """Server-side copy of ``source`` to ``target``; the copy's size. ``NotFound`` if absent."""
        try:
            self._client.copy_object(
                Bucket=self._bucket, Key=target, CopySource={"Bucket": self._bucket, "Key": source}
            )
        except self._client.exceptions.ClientError as exc:
            if _is_missing(exc):
                raise NotFound("the uploaded file is missing") from None
            raise
        head = self._client.head_object(Bucket=self._bucket, Key=target)
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def upload_target(self, key: str, *, max_bytes: int, expires_s: int) -> UploadTarget:
        """A presigned POST whose policy fixes ``key`` and caps the size at ``max_bytes``."""
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"key": key},
            Conditions=[{"key": key}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_s,
        )
        return UploadTarget(url=post["url"], method="POST", fields=dict(post["fields"]))
