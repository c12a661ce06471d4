"""Recall and latency of owner-filtered vector search through the approximate index, when the
table has doubled since the index was built: the stale index (new rows folded in by
``optimize``) against the index maintenance retrains, both measured against exact search in
the same run.

The second half of the rows comes from other clusters than the first (a corpus that drifts),
which is where a stale index's partitions fit worst.

Run: .venv/bin/python -m benchmarks.index_retrain [--half 20000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from typing import Any

import numpy as np
import pyarrow as pa

from service.lance_table import chunk_schema, connect, open_table
from service.maintenance import retrain_vector_index, run_maintenance
from service.vectors import ChunkStore

DIM, OWNERS, CLUSTERS = 384, 50, 40


def clustered(rng: np.random.Generator, n: int, centers: np.ndarray) -> np.ndarray:
    picks = centers[rng.integers(0, len(centers), n)]
    vectors = (picks + rng.normal(scale=0.6, size=(n, DIM)) / np.sqrt(DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def table_rows(vectors: np.ndarray, owners: np.ndarray, start: int) -> pa.Table:
    ids = range(start, start + len(vectors))
    return pa.table(
        {
            "id": [f"d{i // 10}:{i % 10:06d}" for i in ids],
            "doc_id": [f"d{i // 10}" for i in ids],
            "owner": owners.tolist(),
            "text": ["text"] * len(vectors),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIM),
            "filename": ["f.txt"] * len(vectors),
            "page": pa.array([None] * len(vectors), pa.int32()),
            "chunk_index": pa.array([i % 10 for i in ids], pa.int32()),
        },
        schema=chunk_schema("m", DIM),
    )


def measure(store: ChunkStore, vectors: np.ndarray, owners: np.ndarray, queries: int) -> dict:
    rng = np.random.default_rng(11)
    recalls, seconds = [], []
    for q in range(queries):
        owner = f"u{q % OWNERS}"
        row = int(rng.integers(len(vectors) // 2, len(vectors)))  # asked about the new half
        query = (vectors[row] + rng.normal(scale=0.05, size=DIM)).astype(np.float32)
        mine = np.flatnonzero(owners == owner)
        exact = set(mine[np.argsort(-(vectors[mine] @ query))[:10]].tolist())
        started = time.perf_counter()
        hits = store.search_vector(query.tolist(), owner=owner, k=10)
        seconds.append(time.perf_counter() - started)
        got = {int(h.doc_id[1:]) * 10 + h.chunk_index for h in hits}
        recalls.append(len(got & exact) / 10)
    return {
        "recall_at_10": round(float(np.mean(recalls)), 4),
        "p50_ms": round(statistics.median(seconds) * 1000, 2),
    }


def run(half: int, queries: int) -> dict[str, Any]:
    rng = np.random.default_rng(5)
    first = clustered(rng, half, rng.normal(size=(CLUSTERS, DIM)))
    second = clustered(rng, half, rng.normal(size=(CLUSTERS, DIM)))
    vectors = np.vstack([first, second])
    owners = np.array([f"u{i % OWNERS}" for i in range(2 * half)])
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(tmp)
        store = ChunkStore(open_table(db, "chunks", model_id="m", dim=DIM))
        store._t.add(table_rows(first, owners[:half], 0))
        run_maintenance(store, retention_s=3600, vector_index_min_rows=half)
        retrain_vector_index(db, store._t)  # records the size it was trained on
        store._t.add(table_rows(second, owners[half:], half))
        run_maintenance(store, retention_s=3600, vector_index_min_rows=half)  # folds rows in
        stale = measure(store, vectors, owners, queries)
        started = time.perf_counter()
        assert retrain_vector_index(db, store._t)
        retrain_s = time.perf_counter() - started
        retrained = measure(store, vectors, owners, queries)
    return {
        "rows": 2 * half,
        "stale_index": stale,
        "retrained_index": retrained,
        "retrain_s": round(retrain_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--half", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(run(args.half, args.queries), indent=2))


if __name__ == "__main__":
    main()
