"""Local upload targets: single-use, expiring ``PUT`` URLs of the local server, signed with its
secret; the body is received with the size limit enforced while it streams in."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import IO
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool

from service.config import Settings
from service.errors import BadRequest, Forbidden, NotFound, RateLimited, TooLarge
from service.models import Document, ErrorBody, UploadTarget
from service.wiring import Services

UPLOAD_PATH = "/uploads/{doc_id}"


class UploadSigner:
    """Signs upload URLs and claims each one at most once."""

    def __init__(self, secret: bytes, *, ttl_s: int, clock: Callable[[], float] = time.time):
        self._key = hmac.new(secret, b"upload-url", hashlib.sha256).digest()
        self._ttl = ttl_s
        self._clock = clock
        self._used: dict[str, float] = {}  # nonce -> expiry, forgotten once expired
        self._lock = threading.Lock()

    def _sign(self, doc_id: str, expires: str, nonce: str) -> str:
        message = f"{doc_id}\n{expires}\n{nonce}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def target(self, doc: Document, base_url: str) -> UploadTarget:
        """The upload target of ``doc`` under ``base_url`` (the URL the client reached us at)."""
        expires, nonce = str(int(self._clock()) + self._ttl), secrets.token_urlsafe(16)
        query = urlencode(
            {
                "expires": expires,
                "nonce": nonce,
                "signature": self._sign(doc.doc_id, expires, nonce),
            }
        )
        url = f"{base_url.rstrip('/')}{UPLOAD_PATH.format(doc_id=doc.doc_id)}?{query}"
        content_type = doc.content_type or "application/octet-stream"
        return UploadTarget(url=url, method="PUT", headers={"Content-Type": content_type})

    def claim(self, doc_id: str, expires: str, nonce: str, signature: str) -> None:
        """Accept a URL once: ``Forbidden`` if forged, for another document, expired or used."""
        expected = self._sign(doc_id, expires, nonce)
        if not hmac.compare_digest(expected, signature):
            raise Forbidden("invalid upload URL")
        now = self._clock()
        if not expires.isdigit() or int(expires) < now:
            raise Forbidden("the upload URL has expired")
        with self._lock:
            self._used = {n: t for n, t in self._used.items() if t >= now}
            if nonce in self._used:
                raise Forbidden("the upload URL has already been used")
            self._used[nonce] = float(expires)


def add_upload_route(app: FastAPI, services: Services, signer: UploadSigner) -> None:
    """``PUT /uploads/{doc_id}?expires&nonce&signature``: the signature is the authority.

    The body is received on the event loop into a spooled temporary file (no shared worker
    thread waits on a slow client), with the size limit, an idle timeout, a minimum average
    rate and a per-person cap on uploads at once; the stored copy is then made in a thread.
    """
    limit = services.documents.max_bytes
    settings = services.settings
    active: dict[str, int] = {}  # owner -> uploads in progress (touched on the loop only)

    @app.put(
        UPLOAD_PATH,
        response_model=Document,
        tags=["uploads"],
        responses={
            403: {"model": ErrorBody},
            409: {"model": ErrorBody},
            413: {"model": ErrorBody},
            429: {"model": ErrorBody},
        },
    )
    async def upload(
        doc_id: str,
        request: Request,
        expires: str = Query(""),
        nonce: str = Query(""),
        signature: str = Query(""),
    ) -> Document:
        """Receive the bytes of a document created by ``POST /documents``."""
        signer.claim(doc_id, expires, nonce, signature)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            reason = f"file is larger than the limit of {limit} bytes"
            await run_in_threadpool(services.documents.fail_upload, doc_id, reason)
            raise TooLarge(reason)
        doc = await run_in_threadpool(services.registry.get, doc_id)
        if doc is None:
            raise NotFound("document not found")
        if active.get(doc.owner, 0) >= settings.max_uploads_per_user:
            raise RateLimited("too many uploads at once: wait for one to finish")
        active[doc.owner] = active.get(doc.owner, 0) + 1
        try:
            body = await _spool(request.stream(), limit, settings)
        except (TooLarge, BadRequest) as exc:
            await run_in_threadpool(services.documents.fail_upload, doc_id, exc.message)
            raise
        finally:
            active[doc.owner] -= 1
            if not active[doc.owner]:
                del active[doc.owner]
        with body:
            return await run_in_threadpool(services.documents.receive_bytes, doc, _chunks(body))


async def _spool(stream: AsyncIterator[bytes], limit: int, settings: Settings) -> IO[bytes]:
    """The request body in a temporary file; ``TooLarge`` past ``limit``, ``BadRequest`` if the
    client goes quiet for the idle timeout or averages under the minimum rate after it."""
    body = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - returned
    started, size = time.monotonic(), 0
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(anext(stream), settings.upload_idle_timeout_s)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise BadRequest("the upload stalled: nothing arrived for too long") from None
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"file is larger than the limit of {limit} bytes")
            body.write(chunk)
            elapsed = time.monotonic() - started
            if elapsed > settings.upload_idle_timeout_s and (
                size < settings.upload_min_bytes_per_s * elapsed
            ):
                raise BadRequest("the upload is too slow")
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body


def _chunks(body: IO[bytes], size: int = 1024 * 1024) -> Iterator[bytes]:
    while chunk := body.read(size):
        yield chunk
