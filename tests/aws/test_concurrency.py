"""Four ingestion processes (``spawn``) writing one LanceDB table on moto S3 at once: no lost
and no duplicate chunks (Lance commits with conditional PUTs and retries conflicts)."""

from __future__ import annotations

import multiprocessing
import uuid
from concurrent.futures import ProcessPoolExecutor

from service.models import DocumentStatus
from service.wiring import build_services
from tests.aws.conftest import Stack
from tests.aws.ingest_worker import run_jobs

PROCESSES = 4
DOCS_PER_PROCESS = 2


def text(i: int) -> bytes:
    return (
        f"Field log {i}. Station {i} measured a water temperature of {i}.5 degrees. " * 40
    ).encode()


def test_four_processes_lose_and_duplicate_nothing(stack: Stack) -> None:
    suffix = uuid.uuid4().hex[:8]
    stack.aws("s3").create_bucket(Bucket=f"quiet-{suffix}")  # no notifications: jobs only
    queue = stack.aws("sqs").create_queue(QueueName=f"quiet-{suffix}")["QueueUrl"]
    env = {**stack.env, "documents_bucket": f"quiet-{suffix}", "ingest_queue_url": queue}
    services = build_services(stack.settings(**env))
    owner = f"conc-{suffix}"
    docs = [
        services.documents.add(owner, f"log-{i}.txt", text(i))
        for i in range(PROCESSES * DOCS_PER_PROCESS)
    ]
    jobs = [(d.doc_id, d.version) for d in docs]
    shares = [jobs[i::PROCESSES] for i in range(PROCESSES)]
    context = multiprocessing.get_context("spawn")  # fork can hang LanceDB (DESIGN.md)
    with ProcessPoolExecutor(max_workers=PROCESSES, mp_context=context) as pool:
        futures = [pool.submit(run_jobs, env, share) for share in shares]
        outcomes = [o for f in futures for o in f.result(timeout=240)]
    assert outcomes == ["indexed"] * len(jobs)
    total = 0
    for doc in docs:
        current = services.registry.get(doc.doc_id)
        assert current is not None and current.status is DocumentStatus.INDEXED
        nodes = services.store.get_nodes(owner=owner, doc_ids=[doc.doc_id])
        assert len(nodes) == len({n.node_id for n in nodes}) == current.chunks > 1
        total += current.chunks
    assert services.store.count(owner=owner) == total
