"""Parsing untrusted documents in a child process with memory and time caps, so a
decompression bomb or a pathological file fails one document instead of the worker.

The child is a plain ``python -m service.sandbox`` subprocess speaking length-prefixed pickles
over its stdin/stdout (our own process on both ends), not ``multiprocessing``: spawn would
re-import the caller's main module in the child, re-running a script that lacks a
``__main__`` guard, and fork does not mix with LanceDB's threads.
"""

from __future__ import annotations

import logging
import pickle
import struct
import subprocess
import sys
import threading
from functools import lru_cache
from typing import IO, Any

from service.errors import RagError, TooLarge, Unprocessable, UnsupportedType
from service.parsing import DocType, Page

log = logging.getLogger(__name__)
_HEADER = struct.Struct("!Q")
_START_TIMEOUT_S = 120.0
_ERRORS: dict[str, type[RagError]] = {
    "TooLarge": TooLarge,
    "UnsupportedType": UnsupportedType,
    "Unprocessable": Unprocessable,
}


def _send(stream: IO[bytes], obj: object) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the parser process ended")
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("the parser process ended")
    return pickle.loads(payload)  # noqa: S301 - our own child process


class ParserSandbox:
    """One reusable child process running ``parse``; replaced after a crash or a timeout."""

    def __init__(self, *, timeout_s: float, memory_mb: int) -> None:
        self._timeout = timeout_s
        self._memory_mb = memory_mb
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            child = subprocess.Popen(  # noqa: S603 - fixed command line
                [sys.executable, "-m", "service.sandbox", str(self._memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            self._child = child
            self._call(("ping",), _START_TIMEOUT_S)  # imports done: start-up is not parse time
        return self._child

    def _call(self, request: tuple[Any, ...], timeout: float) -> Any:
        child = self._child
        assert child is not None and child.stdin is not None and child.stdout is not None
        result: list[Any] = []

        def exchange() -> None:
            try:
                _send(child.stdin, request)  # type: ignore[arg-type]
                result.append(_receive(child.stdout))  # type: ignore[arg-type]
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                result.append(exc)

        talker = threading.Thread(target=exchange, daemon=True)
        talker.start()
        talker.join(timeout)
        if talker.is_alive():
            self._kill()
            raise Unprocessable(f"reading the document took longer than {timeout:g} s")
        if isinstance(result[0], BaseException):
            self._kill()
            raise Unprocessable(
                "the document crashed the parser (or broke its memory limit of "
                f"{self._memory_mb} MB)"
            )
        return result[0]

    def parse(self, data: bytes, doc_type: DocType, *, max_pages: int) -> list[Page]:
        """Parse in the child; raise ``Unprocessable``/``TooLarge`` when it breaks its caps."""
        with self._lock:  # one document at a time per sandbox
            self._start()
            status, value = self._call(("parse", data, doc_type.value, max_pages), self._timeout)
        if status == "ok":
            return list(value)
        if status == "memory":
            raise TooLarge(f"reading the document needed more than {self._memory_mb} MB of memory")
        kind, message = value
        raise _ERRORS.get(kind, Unprocessable)(message)

    def _kill(self) -> None:
        child, self._child = self._child, None
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()

    def close(self) -> None:
        """Stop the child process."""
        with self._lock:
            self._kill()


@lru_cache(maxsize=4)
def shared_sandbox(timeout_s: float, memory_mb: int) -> ParserSandbox:
    """One sandbox per process and limits (its child is started on first use)."""
    return ParserSandbox(timeout_s=timeout_s, memory_mb=memory_mb)


def _limit_child(memory_mb: int) -> None:
    """Cap memory, and die with the parent (a SIGKILLed worker must not leave parsers behind)."""
    import ctypes
    import resource
    import signal

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _serve(memory_mb: int) -> None:
    """The child: answer requests until stdin closes."""
    from service.parsing import parse

    _limit_child(memory_mb)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the protocol stream
    while True:
        try:
            request = _receive(stdin)
        except EOFError:
            return
        if request[0] == "ping":
            _send(stdout, ("ok", None))
            continue
        _, data, kind, max_pages = request
        try:
            reply: tuple[str, Any] = ("ok", parse(data, DocType(kind), max_pages=max_pages))
        except MemoryError:
            reply = ("memory", None)
        except RagError as exc:
            reply = ("error", (type(exc).__name__, exc.message))
        _send(stdout, reply)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
