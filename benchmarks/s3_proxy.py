"""A loopback HTTP proxy in front of an S3 endpoint (moto in the benchmarks) that adds a fixed
latency to every request and counts requests (and response bytes) by kind, so a benchmark can
say how many S3 requests a question costs and what 20 ms per request does to it.

moto answers a ranged GET by reading the *whole* object and slicing it (moto 5.2
``_handle_range_header``), so on a 100k-chunk table every ranged GET of a ~200 MB data file
costs a full read there; S3 costs in proportion to the range. With ``range_cache=True`` the
proxy fetches each immutable Lance object (data files, index files: new versions get new
names) once and serves ranges from memory, so what remains is S3's cost model (latency per
request) rather than moto's. Every request is still counted and delayed."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


def request_kind(method: str, path: str, headers: Any) -> str:
    """``GET ranged``, ``GET``, ``LIST``, ``HEAD``, ``PUT``, ``POST`` or ``DELETE``."""
    query = parse_qs(urlsplit(path).query)
    if method == "GET":
        if "list-type" in query or "prefix" in query or "delimiter" in query:
            return "LIST"
        return "GET ranged" if headers.get("Range") else "GET"
    return method


class LatencyProxy:
    """Forwards every request to ``upstream`` after sleeping ``latency_s``; counts by kind."""

    def __init__(self, upstream: str, latency_s: float, *, range_cache: bool = False) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.latency_s = latency_s
        self.range_cache = range_cache
        self.counts: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self.areas: Counter[str] = Counter()  # requests by kind and table folder
        self._objects: dict[str, tuple[bytes, list[tuple[str, str]]]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The proxy's endpoint (give it to LanceDB as the S3 endpoint)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LatencyProxy:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def snapshot(self) -> Counter[str]:
        """A copy of the counts so far."""
        with self._lock:
            return Counter(self.counts)

    def bytes_snapshot(self) -> Counter[str]:
        """A copy of the response bytes so far, by request kind."""
        with self._lock:
            return Counter(self.bytes)

    def areas_snapshot(self) -> Counter[str]:
        """A copy of the request counts by kind and table folder (``GET ranged _indices``)."""
        with self._lock:
            return Counter(self.areas)

    def _count(self, kind: str, size: int = 0, path: str = "") -> None:
        folder = next(
            (p for p in urlsplit(path).path.split("/") if p.startswith(("_", "data"))), ""
        )
        with self._lock:
            self.counts[kind] += 1
            self.bytes[kind] += size
            self.areas[f"{kind} {folder}".strip()] += 1

    def cached_range(self, path: str, headers: Any, fetch: Any) -> tuple[int, Any, bytes] | None:
        """(status, headers, body) of a ranged GET of an immutable Lance object served from
        memory (fetched whole once), or None when the request is not one."""
        rng = headers.get("Range") or ""
        immutable = "/data/" in path or "/_indices/" in path
        if not (self.range_cache and immutable and rng.startswith("bytes=") and "," not in rng):
            return None
        if path not in self._objects:
            status, got_headers, body = fetch()
            if status != 200:
                return None
            self._objects[path] = (body, got_headers)
        body, got_headers = self._objects[path]
        first, _, last = rng[len("bytes=") :].partition("-")
        if first:
            begin, end = int(first), min(int(last) if last else len(body) - 1, len(body) - 1)
        else:
            begin, end = max(0, len(body) - int(last)), len(body) - 1
        out = [(k, v) for k, v in got_headers if k.lower() in ("etag", "last-modified")]
        out.append(("Content-Range", f"bytes {begin}-{end}/{len(body)}"))
        return 206, out, body[begin : end + 1]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        local = threading.local()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _upstream(self, headers: dict[str, str], body: bytes | None) -> Any:
                conn = getattr(local, "conn", None)
                if conn is None:
                    conn = local.conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    return response.status, response.getheaders(), response.read()
                except (OSError, http.client.HTTPException):
                    local.conn = None
                    conn.close()
                    raise

            def _forward(self) -> None:
                time.sleep(proxy.latency_s)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                whole = {k: v for k, v in headers.items() if k.lower() != "range"}
                cached = None
                if self.command == "GET":
                    cached = proxy.cached_range(
                        self.path, self.headers, lambda: self._upstream(whole, None)
                    )
                status, got, data = cached or self._upstream(headers, body)
                kind = request_kind(self.command, self.path, self.headers)
                proxy._count(kind, len(data), self.path)
                self.send_response(status)
                for key, value in got:
                    if key.lower() not in _HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler
