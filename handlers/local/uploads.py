"""Local upload targets: single-use, expiring ``PUT`` URLs of the local server, signed with its
secret, streaming the body to the blob store with the size limit enforced while streaming."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool

from service.errors import Forbidden, NotFound, TooLarge
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
    """``PUT /uploads/{doc_id}?expires&nonce&signature``: the signature is the authority."""
    limit = services.documents.max_bytes

    @app.put(
        UPLOAD_PATH,
        response_model=Document,
        tags=["uploads"],
        responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}, 413: {"model": ErrorBody}},
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
        doc = services.registry.get(doc_id)
        if doc is None:
            raise NotFound("document not found")
        chunks = _blocking_chunks(request.stream(), asyncio.get_running_loop())
        return await run_in_threadpool(services.documents.receive_bytes, doc, chunks)


def _blocking_chunks(
    stream: AsyncIterator[bytes], loop: asyncio.AbstractEventLoop
) -> Iterator[bytes]:
    """Let a worker thread pull the request body from the event loop, chunk by chunk, so the
    blob store (sync) can stop reading the moment the limit is passed."""

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := asyncio.run_coroutine_threadsafe(next_chunk(), loop).result()) is not None:
        if chunk:
            yield chunk
