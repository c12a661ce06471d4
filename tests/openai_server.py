"""A loopback HTTP server that speaks the OpenAI chat-completions API, for the real OpenAI
client and the real LlamaIndex integration: ``POST /v1/chat/completions`` answering with JSON,
or with ``stream: true`` as server-sent events (``data: {chunk}`` lines, then ``data: [DONE]``)
over chunked HTTP/1.1.

Replies are scripted per test; errors (any status, in order), a delay before the headers, a
pace between chunks and a stall mid-stream are settable. Between chunks the server watches its
socket, so a test can see the client hang up (``closed_early``).
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERROR_TYPES = {401: "invalid_request_error", 429: "rate_limit_error", 500: "server_error"}


class OpenAIServer:
    """The server's state: settable behaviour and a log of what it was asked."""

    def __init__(self) -> None:
        self.replies: list[str] = []  # scripted replies, consumed in order
        self.default_reply = "I could not find that in the documents."
        self.errors: list[int] = []  # statuses to answer with, in order, before any reply
        self.required_key: str | None = None  # when set, other bearer keys get 401
        self.header_delay_s = 0.0
        self.chunk_delay_s = 0.0
        self.stall_after: int | None = None  # chunks sent before the stream stalls
        self.stall_s = 0.0
        self.requests: list[dict[str, Any]] = []  # {"headers": {...}, "body": {...}}
        self.chunks_sent = 0
        self.closed_early = threading.Event()  # a client hung up mid-stream
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.state = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL clients use (``.../v1``)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        """Back to defaults between tests."""
        with self._lock:
            self.replies, self.errors, self.requests = [], [], []
            self.required_key = None
            self.header_delay_s = self.chunk_delay_s = self.stall_s = 0.0
            self.stall_after = None
            self.chunks_sent = 0
            self.closed_early.clear()

    def next_error(self) -> int | None:
        with self._lock:
            return self.errors.pop(0) if self.errors else None

    def next_reply(self) -> str:
        with self._lock:
            return self.replies.pop(0) if self.replies else self.default_reply


def pieces(text: str) -> list[str]:
    """Token-sized pieces of a reply (words with their following spaces)."""
    return re.findall(r"\S+\s*", text) or [text]


def chunk(model: str, delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
    """One ``chat.completion.chunk``."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) breaks the reply: expected here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> OpenAIServer:
        return self.server.state  # type: ignore[attr-defined, no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        state = self.state
        with state._lock:
            state.requests.append({"headers": dict(self.headers.items()), "body": body})
        time.sleep(state.header_delay_s)
        if not self.path.endswith("/chat/completions"):
            return self._error(404, "no such route")
        auth = self.headers.get("Authorization")
        if state.required_key is not None and auth != f"Bearer {state.required_key}":
            return self._error(401, "Incorrect API key provided")
        status = state.next_error()
        if status is not None:
            return self._error(status, f"scripted failure {status}")
        reply, model = state.next_reply(), str(body.get("model", ""))
        if body.get("stream"):
            return self._stream(reply, model)
        return self._json(200, _completion(reply, model))

    def _error(self, status: int, message: str) -> None:
        payload = {"error": {"message": message, "type": ERROR_TYPES.get(status, "error")}}
        self._json(status, payload, {"Retry-After": "0"} if status == 429 else {})

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: str, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events = [chunk(model, {"role": "assistant", "content": ""})]
        events += [chunk(model, {"content": piece}) for piece in pieces(reply)]
        events.append(chunk(model, {}, "stop"))
        state = self.state
        for n, event in enumerate(events):
            if n and not self._wait(state.chunk_delay_s):
                return
            stall = state.stall_s if n == state.stall_after else 0.0
            if stall and not self._wait(stall):
                return
            if not self._send_chunk(f"data: {json.dumps(event)}\n\n".encode()):
                return
            with state._lock:
                state.chunks_sent += 1
        self._send_chunk(b"data: [DONE]\n\n")
        self._send_chunk(b"")  # the terminating zero-length chunk

    def _wait(self, seconds: float) -> bool:
        """Sleep, watching the socket: False once the client has hung up."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            readable, _, _ = select.select([self.connection], [], [], max(0.0, left))
            if readable:
                try:
                    gone = self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    gone = True
                if gone:
                    self.state.closed_early.set()
                    return False
                time.sleep(min(0.01, max(0.0, left)))
            if left <= 0:
                return True

    def _send_chunk(self, data: bytes) -> bool:
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            return True
        except OSError:
            self.state.closed_early.set()
            return False


def _completion(reply: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
