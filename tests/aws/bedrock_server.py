"""A loopback HTTP server that speaks the Bedrock runtime API, for the real boto3 client and
the real LlamaIndex Bedrock integrations: InvokeModel for Titan Text Embeddings v2 and Cohere
embeddings, Converse, ConverseStream in the AWS event-stream binary encoding, and the agent
runtime's Rerank (scores: MiniLM cosine between the query and each source).

Embeddings come from a real model (MiniLM, zero-padded to the requested dimension) so retrieval
through it is meaningful. Chat replies are scripted per test; latency and throttling are settable.
"""

from __future__ import annotations

import json
import random
import struct
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import numpy as np

Embed = Callable[[list[str]], np.ndarray]
COHERE_MAX_TEXTS = 96
COHERE_MAX_CHARS = 2048


def event_message(event_type: str, payload: dict[str, Any]) -> bytes:
    """One AWS event-stream message: prelude (total and headers length, CRC32), headers,
    payload, message CRC32."""
    headers = b""
    for name, value in (
        (":event-type", event_type),
        (":content-type", "application/json"),
        (":message-type", "event"),
    ):
        raw = value.encode()
        headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(raw)) + raw
    body = json.dumps(payload).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + body
    return message + struct.pack(">I", zlib.crc32(message))


class BedrockServer:
    """The server's state: settable behaviour and a log of what it was asked."""

    def __init__(self, embed: Embed) -> None:
        self.embed = embed
        self.latency_s = 0.0
        self.throttle_rate = 0.0
        self.throttle_only: set[str] | None = None  # operations to throttle (None: all)
        self.replies: list[str] = []  # scripted chat replies, consumed in order
        self.default_reply = "I could not find that in the documents."
        self.requests: list[dict[str, Any]] = []  # (operation, model, body) of each call
        self.throttled = 0
        self.poison: str | None = None  # texts containing this fail with ModelErrorException
        self.stream_delay_s = 0.0  # > 0: ConverseStream sends one event per delay, unframed
        self.streams_cut = 0  # streams whose client went away before the last event
        self.streams_done = 0
        self._rng = random.Random(7)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> BedrockServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        """Back to defaults between tests."""
        with self._lock:
            self.latency_s, self.throttle_rate, self.throttled = 0.0, 0.0, 0
            self.stream_delay_s, self.streams_cut, self.streams_done = 0.0, 0, 0
            self.throttle_only = None
            self.poison = None
            self.replies, self.requests = [], []

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["operation"] == operation]

    def next_reply(self) -> str:
        with self._lock:
            return self.replies.pop(0) if self.replies else self.default_reply

    def should_throttle(self, operation: str) -> bool:
        with self._lock:
            if self.throttle_only is not None and operation not in self.throttle_only:
                return False
            hit = self._rng.random() < self.throttle_rate
            self.throttled += hit
            return hit

    def record(self, operation: str, model: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append({"operation": operation, "model": model, "body": body})


def _vectors(server: BedrockServer, texts: list[str], dim: int) -> list[list[float]]:
    vectors = server.embed(texts)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    width = min(dim, vectors.shape[1])
    out[:, :width] = vectors[:, :width]
    return [[float(x) for x in row] for row in out]


def _invoke(server: BedrockServer, model: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    texts = [body.get("inputText") or "", *(body.get("texts") or [])]
    if server.poison and any(server.poison in t for t in texts):
        return 424, {"message": "The model could not process this input"}
    if model.startswith("amazon.titan-embed"):
        text = body.get("inputText")
        if not isinstance(text, str) or not text:
            return 400, {"message": "inputText is required"}
        [vector] = _vectors(server, [text], int(body.get("dimensions", 1024)))
        return 200, {"embedding": vector, "inputTextTokenCount": len(text.split())}
    if model.startswith("cohere.embed"):
        texts = body.get("texts") or []
        if not 1 <= len(texts) <= COHERE_MAX_TEXTS:
            return 400, {"message": f"texts must hold 1 to {COHERE_MAX_TEXTS} items"}
        if any(len(t) > COHERE_MAX_CHARS for t in texts):
            return 400, {"message": f"a text is longer than {COHERE_MAX_CHARS} characters"}
        return 200, {"embeddings": _vectors(server, texts, 1024), "texts": texts}
    return 400, {"message": f"unknown model {model}"}


def _rerank(server: BedrockServer, body: dict[str, Any], n: int) -> tuple[int, dict[str, Any]]:
    queries = [q.get("textQuery", {}).get("text", "") for q in body.get("queries", [])]
    texts = [
        s.get("inlineDocumentSource", {}).get("textDocument", {}).get("text", "")
        for s in body.get("sources", [])
    ]
    if len(queries) != 1 or not texts or len(texts) > 1000 or not 1 <= n <= len(texts):
        return 400, {"message": "one query, 1-1000 sources and 1 <= numberOfResults <= sources"}
    vectors = server.embed([queries[0], *texts])
    scores = (vectors[1:] @ vectors[0]).tolist()
    order = sorted(range(len(texts)), key=lambda i: -scores[i])[:n]
    return 200, {"results": [{"index": i, "relevanceScore": float(scores[i])} for i in order]}


def _text_of(body: dict[str, Any]) -> str:
    return " ".join(
        part.get("text", "") for m in body.get("messages", []) for part in m.get("content", [])
    )


def _handler_for(server: BedrockServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _json(self, status: int, payload: dict[str, Any], error: str | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if error:
                self.send_header("x-amzn-ErrorType", error)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            parts = [unquote(p) for p in self.path.strip("/").split("/")]
            if parts == ["rerank"]:
                self._rerank(body)
                return
            if len(parts) != 3 or parts[0] != "model":
                self._json(404, {"message": "unknown path"}, "ResourceNotFoundException")
                return
            _, model, operation = parts
            server.record(operation, model, body)
            time.sleep(server.latency_s)
            if server.should_throttle(operation):
                self._json(429, {"message": "Too many requests"}, "ThrottlingException")
            elif operation == "invoke":
                status, payload = _invoke(server, model, body)
                error = {200: None, 424: "ModelErrorException"}.get(status, "ValidationException")
                self._json(status, payload, error)
            elif operation == "converse":
                self._converse(body)
            elif operation == "converse-stream":
                self._converse_stream(body)
            else:
                self._json(404, {"message": "unknown operation"}, "UnknownOperationException")

        def _rerank(self, body: dict[str, Any]) -> None:
            config = body.get("rerankingConfiguration", {}).get("bedrockRerankingConfiguration", {})
            model = config.get("modelConfiguration", {}).get("modelArn", "")
            server.record("rerank", model, body)
            time.sleep(server.latency_s)
            status, payload = _rerank(server, body, int(config.get("numberOfResults", 0)))
            self._json(status, payload, None if status == 200 else "ValidationException")

        def _converse(self, body: dict[str, Any]) -> None:
            reply = server.next_reply()
            self._json(
                200,
                {
                    "output": {"message": {"role": "assistant", "content": [{"text": reply}]}},
                    "stopReason": "end_turn",
                    "usage": _usage(body, reply),
                    "metrics": {"latencyMs": 1},
                },
            )

        def _converse_stream(self, body: dict[str, Any]) -> None:
            reply = server.next_reply()
            words = reply.split(" ")
            events = [event_message("messageStart", {"role": "assistant"})]
            for i, word in enumerate(words):
                delta = {"text": word + (" " if i < len(words) - 1 else "")}
                events.append(
                    event_message("contentBlockDelta", {"delta": delta, "contentBlockIndex": 0})
                )
            events += [
                event_message("contentBlockStop", {"contentBlockIndex": 0}),
                event_message("messageStop", {"stopReason": "end_turn"}),
                event_message(
                    "metadata", {"usage": _usage(body, reply), "metrics": {"latencyMs": 1}}
                ),
            ]
            if server.stream_delay_s > 0:
                self._paced(events)
                return
            data = b"".join(events)
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _paced(self, events: list[bytes]) -> None:
            """One event per ``stream_delay_s``, each in its own HTTP/1.1 chunk (as Bedrock
            streams), so a client that goes away (a cancelled answer) fails the next write."""
            self.protocol_version = "HTTP/1.1"
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for event in [*events, b""]:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                    self.wfile.flush()
                    time.sleep(server.stream_delay_s)
            except (BrokenPipeError, ConnectionResetError):
                with server._lock:
                    server.streams_cut += 1
                return
            with server._lock:
                server.streams_done += 1

    return Handler


def _usage(body: dict[str, Any], reply: str) -> dict[str, int]:
    prompt = len(_text_of(body).split())
    out = len(reply.split())
    return {"inputTokens": prompt, "outputTokens": out, "totalTokens": prompt + out}
