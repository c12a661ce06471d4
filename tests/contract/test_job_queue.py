"""Contract of the JobQueue port: at-least-once delivery, visibility timeout, max receives."""

from __future__ import annotations

import time

from service.models import IngestJob
from service.ports import JobQueue
from tests.contract.conftest import MAX_RECEIVES, VISIBILITY_TIMEOUT_S


def receive_within(queue: JobQueue, seconds: float) -> list:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = queue.receive(10)
        if got:
            return got
        time.sleep(0.1)
    return []


def test_send_receive_ack(job_queue: JobQueue) -> None:
    job_queue.send(IngestJob(doc_id="d1", version=1))
    got = receive_within(job_queue, 5)
    assert [r.job for r in got] == [IngestJob(doc_id="d1", version=1)]
    assert got[0].receive_count == 1
    job_queue.ack(got[0].receipt)
    assert receive_within(job_queue, VISIBILITY_TIMEOUT_S + 1) == []


def test_unacked_job_is_redelivered_after_visibility_timeout(job_queue: JobQueue) -> None:
    job_queue.send(IngestJob(doc_id="d1", version=1))
    first = receive_within(job_queue, 5)
    assert job_queue.receive(10) == []  # invisible while in flight
    again = receive_within(job_queue, VISIBILITY_TIMEOUT_S + 3)
    assert [r.job.doc_id for r in again] == ["d1"]
    assert again[0].receive_count == first[0].receive_count + 1


def test_release_makes_job_visible_again(job_queue: JobQueue) -> None:
    job_queue.send(IngestJob(doc_id="d1", version=1))
    first = receive_within(job_queue, 5)
    job_queue.release(first[0].receipt, delay_s=0)
    again = receive_within(job_queue, 3)
    assert [r.job.doc_id for r in again] == ["d1"]


def test_job_received_too_often_stops_being_delivered(job_queue: JobQueue) -> None:
    job_queue.send(IngestJob(doc_id="poison", version=1))
    deliveries = 0
    deadline = time.monotonic() + (VISIBILITY_TIMEOUT_S + 1) * (MAX_RECEIVES + 3)
    while time.monotonic() < deadline:
        got = job_queue.receive(10)
        deliveries += len(got)
        for item in got:
            job_queue.release(item.receipt, delay_s=0)
        time.sleep(0.2)
    assert deliveries == MAX_RECEIVES
