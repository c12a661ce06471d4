"""Question latency over LanceDB on S3: moto (server mode, loopback) behind a proxy that adds a
fixed latency to every S3 request and counts requests by kind.

Tables of N chunks over many owners are built with the service's own code against a local path
(``open_table`` + commits of whole documents + ``run_maintenance``), then the dataset directory
is uploaded to moto with boto3 (building on moto directly takes far longer and measures nothing
of the question path). Three configurations, measured in the same run:

- before: the first measurement (maintenance without clustering, read consistency 0, LanceDB's
  default caches);
- clustered: maintenance clusters rows by owner, the question path re-checks for new commits
  every ``RAG_LANCEDB_QUERY_CONSISTENCY_S`` seconds, caches sized by settings;
- after: as clustered, plus the vector index from ``RAG_VECTOR_INDEX_MIN_ROWS_OBJECT_STORE``
  rows (the table is on S3) and candidates re-ranked by ``RAG_VECTOR_REFINE_FACTOR``.

``--range-cache`` makes the proxy serve ranges of immutable Lance objects itself (moto reads
the whole object for every ranged GET; ``benchmarks/s3_proxy.py``).

Each question is the service's hybrid retrieval (``HybridRetriever``, service defaults) for a
random owner, on a table handle kept open as the chat worker keeps it. This is moto, not S3:
request counts carry over, latencies only as far as 20 ms per request models S3 from Lambda.

Run: .venv/bin/python -m benchmarks.s3_latency [--sizes 10000 100000] [--queries 100]
     [--range-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from benchmarks.query_latency import passages, percentiles
from benchmarks.s3_proxy import LatencyProxy
from service.config import Settings
from service.lance_table import cache_session, chunk_id, chunk_schema, connect, open_table
from service.maintenance import owner_runs, run_maintenance
from service.options import FusionWeights
from service.retrieval import HybridRetriever
from service.vectors import ChunkStore

DEFAULTS = Settings()
WEIGHTS = DEFAULTS.fusion
DIM = 384
OWNERS = 100
DOCS_PER_COMMIT = 50
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def build(path: Path, n: int, seed: int = 7) -> tuple[np.ndarray, list[str], list[str]]:
    """N chunks in documents of 1-40 chunks, each of a random owner, arriving in random order,
    committed ``DOCS_PER_COMMIT`` documents at a time (as a busy ingestion queue leaves them)."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = passages(n, rng)
    owners: list[str] = []
    ids: list[str] = []
    doc_ids: list[str] = []
    index: list[int] = []
    doc = 0
    while len(ids) < n:
        size, owner = min(rng.randint(1, 40), n - len(ids)), f"user{rng.randrange(OWNERS):03d}"
        for i in range(size):
            owners.append(owner)
            doc_ids.append(f"doc{doc}")
            ids.append(chunk_id(f"doc{doc}", i))
            index.append(i)
        doc += 1
    table = open_table(connect(str(path)), "chunks", model_id="synthetic", dim=DIM)
    rows = pa.table(
        {
            "id": ids,
            "doc_id": doc_ids,
            "owner": owners,
            "text": texts,
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIM),
            "filename": ["bench.txt"] * n,
            "page": pa.array([None] * n, pa.int32()),
            "chunk_index": pa.array(index, pa.int32()),
        },
        schema=chunk_schema("synthetic", DIM),
    )
    starts = [0] + [i for i in range(1, n) if doc_ids[i] != doc_ids[i - 1]] + [n]
    for b in range(0, len(starts) - 1, DOCS_PER_COMMIT):
        lo, hi = starts[b], starts[min(b + DOCS_PER_COMMIT, len(starts) - 1)]
        table.add(rows.slice(lo, hi - lo))
    return vectors, texts, owners


def maintain(path: Path, *, cluster: float, index_min_rows: int | None = None) -> dict[str, Any]:
    """``run_maintenance`` as the scheduled job runs it (with or without clustering)."""
    store = ChunkStore(open_table(connect(str(path)), "chunks", model_id="synthetic", dim=DIM))
    report = run_maintenance(
        store,
        retention_s=0,
        vector_index_min_rows=index_min_rows or DEFAULTS.vector_index_min_rows,
        cluster_max_runs_per_owner=cluster,
    )
    runs, owners = owner_runs(store.table)
    return {"seconds": round(report.seconds, 1), "owner_runs": runs, "owners": owners}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    """moto in server mode in its own process (its CPU then does not share our GIL)."""
    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto server did not start")


def upload(s3: Any, bucket: str, prefix: str, path: Path) -> int:
    files = [p for p in path.rglob("*") if p.is_file()]
    for file in files:
        s3.upload_file(str(file), bucket, f"{prefix}/{file.relative_to(path)}")
    return len(files)


def questions(
    vectors: np.ndarray, texts: list[str], owners: list[str], q: int
) -> list[tuple[str, list[float], str]]:
    rng = random.Random(1)
    picks = [rng.randrange(len(texts)) for _ in range(q)]
    noise = np.random.default_rng(2).normal(scale=0.05, size=(q, DIM)).astype(np.float32)
    qvecs = vectors[picks] + noise
    qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
    return [
        (" ".join(texts[p].split()[5:10]), qvecs[i].tolist(), owners[p])
        for i, p in enumerate(picks)
    ]


def measure(
    proxy: LatencyProxy,
    uri: str,
    *,
    config: str,
    qs: list[tuple[str, list[float], str]],
    weights: FusionWeights = WEIGHTS,
) -> dict[str, Any]:
    """Open the table as the chat worker does, then time warm questions and count requests."""
    options = {"endpoint": proxy.url, "allow_http": "true", "region": "us-east-1", **CREDS}
    after = config != "before"
    refine = DEFAULTS.vector_refine_factor if config == "after" else None
    start = proxy.snapshot()
    began = time.perf_counter()
    db = connect(
        uri,
        storage_options={k.lower(): v for k, v in options.items()},
        read_consistency_s=DEFAULTS.lancedb_query_consistency_s if after else 0.0,
        session=(
            cache_session(DEFAULTS.lancedb_index_cache_mb, DEFAULTS.lancedb_metadata_cache_mb)
            if after
            else None
        ),
    )
    store = ChunkStore(
        open_table(db, "chunks", model_id="synthetic", dim=DIM), refine_factor=refine
    )

    def ask(i: int) -> None:
        text, vector, owner = qs[i]
        retriever = HybridRetriever(
            store, None, owner=owner, top_k=DEFAULTS.top_k, candidates=DEFAULTS.candidates,
            weights=weights,
        )  # fmt: skip
        retriever.search(text, embedding=vector)

    ask(0)
    cold = {
        "seconds": round(time.perf_counter() - began, 3),
        "requests": sum((proxy.snapshot() - start).values()),
    }
    for i in range(1, 6):  # warm-up: other owners, as earlier invocations of the container
        ask(i)
    times: list[float] = []
    kinds: Counter[str] = Counter()
    per_question: list[int] = []
    for i in range(6, len(qs)):
        before = proxy.snapshot()
        t = time.perf_counter()
        ask(i)
        times.append(time.perf_counter() - t)
        delta = proxy.snapshot() - before
        kinds.update(delta)
        per_question.append(sum(delta.values()))
    n = len(per_question)
    return {
        "first_question_after_open": cold,
        "warm_retrieval": percentiles(times),
        "warm_requests_per_question_mean": round(sum(per_question) / n, 1),
        "warm_requests_per_question_p95": sorted(per_question)[int(n * 0.95) - 1],
        "warm_requests_by_kind_mean": {k: round(v / n, 1) for k, v in sorted(kinds.items())},
        "_times": times,
    }


def run_size(
    tmp: Path,
    n: int,
    q: int,
    s3: Any,
    proxy: LatencyProxy,
    embed_ms: list[float],
    weights: FusionWeights = WEIGHTS,
) -> dict[str, Any]:
    started = time.perf_counter()
    dirs = {name: tmp / f"{name}-{n}" for name in ("before", "clustered", "after")}
    vectors, texts, owners = build(dirs["before"], n)
    out: dict[str, Any] = {"build_seconds": round(time.perf_counter() - started, 1)}
    shutil.copytree(dirs["before"], dirs["clustered"])
    shutil.copytree(dirs["before"], dirs["after"])
    out["maintenance_before"] = maintain(dirs["before"], cluster=0.0)
    cluster = DEFAULTS.cluster_max_runs_per_owner
    out["maintenance_clustered"] = maintain(dirs["clustered"], cluster=cluster)
    out["maintenance_after"] = maintain(
        dirs["after"], cluster=cluster, index_min_rows=DEFAULTS.vector_index_min_rows_object_store
    )
    qs = questions(vectors, texts, owners, q + 6)
    for name, path in dirs.items():
        bucket = f"bench-{name}-{n}"
        s3.create_bucket(Bucket=bucket)
        upload(s3, bucket, "lancedb", path)
        result = measure(proxy, f"s3://{bucket}/lancedb", config=name, qs=qs, weights=weights)
        times = result.pop("_times")
        with_embed = [t + e / 1000 for t, e in zip(times, embed_ms, strict=False)]
        result["warm_retrieval_plus_query_embedding"] = percentiles(with_embed)
        out[name] = result
        print(json.dumps({f"{n} {name}": result}), file=sys.stderr, flush=True)
    return out


def embedding_times(q: int) -> list[float]:
    """Per-question MiniLM query embedding times (ms), the local stand-in for Bedrock."""
    from service.embeddings import MiniLMEmbedding

    model = MiniLMEmbedding()
    rng = random.Random(3)
    words = passages(q, rng)
    model.get_query_embedding("warm up")
    out = []
    for text in words:
        t = time.perf_counter()
        model.get_query_embedding(" ".join(text.split()[:8]))
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument(
        "--range-cache",
        action="store_true",
        help="serve ranged GETs of immutable Lance objects from the proxy's memory (moto reads "
        "the whole object per ranged GET; S3 does not): see benchmarks/s3_proxy.py",
    )
    parser.add_argument(
        "--opening-weight",
        type=float,
        default=WEIGHTS.opening,
        help="fusion weight of the document-openings search (0: the two-list retrieval)",
    )
    args = parser.parse_args()
    weights = replace(WEIGHTS, opening=args.opening_weight)
    for key, value in {**CREDS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(key, value)
    import boto3

    moto, moto_url = start_moto()
    proxy = LatencyProxy(moto_url, args.latency_ms / 1000, range_cache=args.range_cache).start()
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    embed_ms = embedding_times(args.queries)
    report: dict[str, Any] = {
        "latency_ms_per_request": args.latency_ms,
        "range_cache": args.range_cache,
        "opening_weight": args.opening_weight,
        "query_embedding_ms": percentiles([e / 1000 for e in embed_ms]),
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in args.sizes:
                report[str(n)] = run_size(Path(tmp), n, args.queries, s3, proxy, embed_ms, weights)
                print(json.dumps({str(n): report[str(n)]}, indent=2), file=sys.stderr)
    finally:
        proxy.stop()
        moto.terminate()
        moto.wait(timeout=10)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
