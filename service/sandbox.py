"""Parsing untrusted documents in a child process with memory and time caps, so a
decompression bomb or a pathological file fails one document instead of the worker."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache

from service.errors import TooLarge, Unprocessable
from service.parsing import DocType, Page, parse

log = logging.getLogger(__name__)


_START_TIMEOUT_S = 120


def _warm_up() -> None:
    import bs4  # noqa: F401
    import docx  # noqa: F401
    import pypdf  # noqa: F401


def _init_child(max_bytes: int) -> None:
    """Cap the child's memory, and make it die with its parent (a SIGKILLed worker must not
    leave parsers behind)."""
    import ctypes
    import resource
    import signal
    import sys

    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class ParserSandbox:
    """One reusable child process (spawned, never forked: LanceDB threads do not survive fork)
    that runs ``parse``; it is replaced after a crash or a timeout."""

    def __init__(self, *, timeout_s: float, memory_mb: int) -> None:
        self._timeout = timeout_s
        self._memory = memory_mb * 1024 * 1024
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_child,
                initargs=(self._memory,),
            )
            # start the child and import the parsers now, so start-up is not parse time
            self._pool.submit(_warm_up).result(timeout=_START_TIMEOUT_S)
        return self._pool

    def parse(self, data: bytes, doc_type: DocType, *, max_pages: int) -> list[Page]:
        """Parse in the child; raise ``Unprocessable``/``TooLarge`` when it breaks its caps."""
        with self._lock:  # one document at a time per sandbox
            future = self._executor().submit(parse, data, doc_type, max_pages=max_pages)
            try:
                return future.result(timeout=self._timeout)
            except FutureTimeout:
                self._kill()
                raise Unprocessable(
                    f"reading the document took longer than {self._timeout:g} s"
                ) from None
            except MemoryError:
                self._kill()
                raise TooLarge(
                    f"reading the document needed more than {self._memory >> 20} MB of memory"
                ) from None
            except BrokenProcessPool:
                self._kill()
                raise Unprocessable(
                    "the document crashed the parser (or broke its memory limit of "
                    f"{self._memory >> 20} MB)"
                ) from None

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the child process."""
        with self._lock:
            self._kill()


@lru_cache(maxsize=4)
def shared_sandbox(timeout_s: float, memory_mb: int) -> ParserSandbox:
    """One sandbox per process and limits (its child is started on first use)."""
    return ParserSandbox(timeout_s=timeout_s, memory_mb=memory_mb)
