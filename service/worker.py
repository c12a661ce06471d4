"""The local ingestion worker: takes jobs from the durable queue and runs them."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from service.adapters.sqlite_queue import SqliteJobQueue
from service.context import new_request_id, request_scope
from service.ingestion import Ingestor, Outcome
from service.models import IngestJob
from service.ports import ReceivedJob

log = logging.getLogger(__name__)

DEAD_LETTER_REASON = "ingestion failed on every attempt; the job was moved to the dead letters"


class Worker:
    """Runs queued jobs; a job that raises is retried with backoff, then dead-lettered."""

    def __init__(
        self,
        queue: SqliteJobQueue,
        ingestor: Ingestor,
        *,
        max_receives: int,
    ) -> None:
        self._queue = queue
        self._ingestor = ingestor
        self._max = max_receives

    def reclaim(self) -> int:
        """Resume at once the jobs a killed process left in flight (see
        ``SqliteJobQueue.reclaim_orphans``); returns how many."""
        reclaimed = self._queue.reclaim_orphans()
        if reclaimed:
            log.info("resuming %d interrupted jobs", reclaimed)
        return reclaimed

    def _fail_dead_letters(self) -> None:
        for job in self._queue.take_dead_letters():
            self._ingestor.fail(job, DEAD_LETTER_REASON)

    def run_once(self, on_done: Callable[[IngestJob, Outcome], None] | None = None) -> int:
        """Process the jobs visible now; returns how many were taken."""
        self._fail_dead_letters()
        taken = 0
        while received := self._queue.receive(1):
            item = received[0]
            taken += 1
            with request_scope(new_request_id()):  # each attempt's log lines share one id
                outcome = self._attempt(item)
            if outcome is None:
                continue
            self._queue.ack(item.receipt)
            if on_done:
                on_done(item.job, outcome)
        return taken

    def _attempt(self, item: ReceivedJob) -> Outcome | None:
        """One attempt at a job; None when it raised and went back to the queue."""
        log.info("ingesting %s (attempt %d)", item.job.doc_id, item.receive_count)
        try:
            return self._ingestor.process(item.job, final_attempt=item.receive_count >= self._max)
        except Exception:  # job boundary: retried by the queue, never fatal to the worker
            log.warning("ingestion attempt %d failed", item.receive_count, exc_info=True)
            self._queue.release(item.receipt, delay_s=_backoff(item.receive_count))
            return None

    def drain(
        self,
        *,
        timeout_s: float = 3600.0,
        on_done: Callable[[IngestJob, Outcome], None] | None = None,
    ) -> None:
        """Process until no job is left (waiting out retry delays), or ``timeout_s`` passes."""
        self.reclaim()
        stop = threading.Event()
        timer = threading.Timer(timeout_s, stop.set)
        timer.start()
        try:
            while not stop.is_set():
                self.run_once(on_done)
                wait = self._queue.next_visible_in()
                if wait is None:
                    break
                stop.wait(min(wait, 1.0) if wait > 0 else 0)
            self._fail_dead_letters()  # jobs the last pass moved to the dead letters
        finally:
            timer.cancel()

    def run_forever(self, stop: threading.Event, *, poll_s: float = 0.5) -> None:
        """Serve the queue until ``stop`` is set (the local server runs this in a thread)."""
        self.reclaim()
        while not stop.is_set():
            try:
                if self.run_once() == 0:
                    stop.wait(poll_s)
            except Exception:  # keep serving: a storage hiccup must not end the worker
                log.exception("worker loop error")
                stop.wait(poll_s * 4)


def _backoff(attempt: int) -> float:
    return float(min(30.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))  # noqa: S311
