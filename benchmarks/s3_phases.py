"""Where a question's time goes on LanceDB over S3: vector search, keyword search and fusion
timed apart, with the S3 requests and response bytes of each phase, and vector recall@10
against exact search over the owner's rows.

Tables are built as in ``benchmarks.s3_latency`` (the service's own writes and maintenance)
and kept in ``--workdir`` so several query configurations can be compared without rebuilding;
each is uploaded to moto (server mode) behind ``benchmarks.s3_proxy.LatencyProxy``.

Run: .venv/bin/python -m benchmarks.s3_phases --size 100000 --queries 60 [--range-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.query_latency import percentiles
from benchmarks.s3_latency import (
    CREDS,
    DEFAULTS,
    DIM,
    WEIGHTS,
    build,
    maintain,
    questions,
    start_moto,
    upload,
)
from benchmarks.s3_proxy import LatencyProxy
from service.lance_table import cache_session, connect, open_table
from service.retrieval import HybridRetriever, fuse
from service.vectors import ChunkStore


def table_dir(workdir: Path, n: int, *, variant: str, **maintenance: Any) -> Path:
    """The built and maintained table of ``n`` chunks for ``variant`` (built once)."""
    path = workdir / f"{variant}-{n}"
    if not (path / "done").exists():
        base = workdir / f"built-{n}"
        if not (base / "done").exists():
            shutil.rmtree(base, ignore_errors=True)
            build(base, n)
            (base / "done").write_text("")
        shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(base, path, ignore=shutil.ignore_patterns("done"))
        report = maintain(path, **maintenance)
        (path / "done").write_text(json.dumps(report))
    return path


def exact_top10(path: Path) -> Any:
    """A function (owner, vector) -> set of the 10 nearest ids among the owner's rows."""
    rows = open_table(connect(str(path)), "chunks", model_id="synthetic", dim=DIM).to_arrow()
    owners = np.array(rows.column("owner").to_pylist())
    ids = np.array(rows.column("id").to_pylist())
    vectors = np.stack(rows.column("vector").to_numpy(zero_copy_only=False))

    def top(owner: str, vector: list[float]) -> set[str]:
        mine = owners == owner
        sims = vectors[mine] @ np.asarray(vector, dtype=np.float32)
        return set(ids[mine][np.argsort(-sims)[:10]].tolist())

    return top


class Phase:
    """Time, requests and bytes of one phase, summed over questions."""

    def __init__(self, proxy: LatencyProxy) -> None:
        self.proxy = proxy
        self.times: list[float] = []
        self.requests: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts, sizes = self.proxy.areas_snapshot(), self.proxy.bytes_snapshot()
        began = time.perf_counter()
        out = fn(*args, **kwargs)
        self.times.append(time.perf_counter() - began)
        self.requests.update(self.proxy.areas_snapshot() - counts)
        self.bytes.update(self.proxy.bytes_snapshot() - sizes)
        return out

    def report(self) -> dict[str, Any]:
        n = max(1, len(self.times))
        return {
            "ms": percentiles(self.times),
            "requests_per_question": {k: round(v / n, 1) for k, v in sorted(self.requests.items())},
            "kib_per_question": round(sum(self.bytes.values()) / n / 1024, 1),
        }


def measure(
    proxy: LatencyProxy, uri: str, qs: list[Any], top10: Any, **store_kwargs: Any
) -> dict[str, Any]:
    """Chat-worker handle; per question: vector, text, fusion apart, then the hybrid call."""
    options = {"endpoint": proxy.url, "allow_http": "true", "region": "us-east-1", **CREDS}
    db = connect(
        uri,
        storage_options={k.lower(): v for k, v in options.items()},
        read_consistency_s=DEFAULTS.lancedb_query_consistency_s,
        session=cache_session(DEFAULTS.lancedb_index_cache_mb, DEFAULTS.lancedb_metadata_cache_mb),
    )
    store = ChunkStore(open_table(db, "chunks", model_id="synthetic", dim=DIM), **store_kwargs)
    cand = DEFAULTS.candidates
    phases = {name: Phase(proxy) for name in ("vector", "text", "fusion", "hybrid")}
    recalls: list[float] = []
    half = len(qs) // 2  # the hybrid call gets other questions: none of its index parts is warm
    for i, ((text, vector, owner), (h_text, h_vector, h_owner)) in enumerate(
        zip(qs[:half], qs[half:], strict=False)
    ):
        v = phases["vector"].run(store.search_vector, vector, owner=owner, k=cand)
        t = phases["text"].run(store.search_text, text, owner=owner, k=cand)
        phases["fusion"].run(fuse, v, t, WEIGHTS, DEFAULTS.top_k)
        retriever = HybridRetriever(
            store, None, owner=h_owner, top_k=DEFAULTS.top_k, candidates=cand, weights=WEIGHTS
        )  # type: ignore[arg-type]
        phases["hybrid"].run(retriever.search, h_text, embedding=h_vector)
        recalls.append(len({h.id for h in v[:10]} & top10(owner, vector)) / 10)
        if i == 4:  # five warm-up questions (other owners), as earlier invocations
            phases = {name: Phase(proxy) for name in phases}
            recalls = []
    out = {name: phase.report() for name, phase in phases.items()}
    out["vector_recall_at_10"] = round(float(np.mean(recalls)), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rag-s3-phases"))
    parser.add_argument("--range-cache", action="store_true")
    parser.add_argument("--variants", nargs="+", default=["clustered"])
    args = parser.parse_args()
    for key, value in {**CREDS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(key, value)
    import boto3

    args.workdir.mkdir(parents=True, exist_ok=True)
    paths = {
        v: table_dir(args.workdir, args.size, variant=TABLES[v], **MAINTENANCE[TABLES[v]])
        for v in args.variants
    }
    moto, moto_url = start_moto()
    proxy = LatencyProxy(moto_url, args.latency_ms / 1000, range_cache=args.range_cache).start()
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    report: dict[str, Any] = {"size": args.size, "range_cache": args.range_cache}
    try:
        for variant, path in paths.items():
            bucket = f"phases-{variant}"
            s3.create_bucket(Bucket=bucket)
            upload(s3, bucket, "lancedb", path)
            qs = questions(*_columns(path), 2 * (args.queries + 5))
            uri, top10 = f"s3://{bucket}/lancedb", exact_top10(path)
            report[variant] = measure(proxy, uri, qs, top10, **STORES.get(variant, {}))
            print(json.dumps({variant: report[variant]}), flush=True)
    finally:
        proxy.stop()
        moto.terminate()
        moto.wait(timeout=10)
    print(json.dumps(report, indent=2))


def _columns(path: Path) -> tuple[np.ndarray, list[str], list[str]]:
    """(vectors, texts, owners) of the built table in its original order."""
    rows = open_table(connect(str(path)), "chunks", model_id="synthetic", dim=DIM).to_arrow()
    rows = rows.sort_by("id")
    vectors = np.stack(rows.column("vector").to_numpy(zero_copy_only=False))
    return vectors, rows.column("text").to_pylist(), rows.column("owner").to_pylist()


# table name -> keyword arguments of ``maintain``
MAINTENANCE: dict[str, dict[str, Any]] = {
    "clustered": {"cluster": DEFAULTS.cluster_max_runs_per_owner},
    "indexed": {"cluster": DEFAULTS.cluster_max_runs_per_owner, "index_min_rows": 1},
}
# variant -> its table, and ChunkStore keyword arguments
TABLES = {"clustered": "clustered", "indexed": "indexed", "refined": "indexed"}
STORES: dict[str, dict[str, Any]] = {"refined": {"refine_factor": 2}}

if __name__ == "__main__":
    main()
