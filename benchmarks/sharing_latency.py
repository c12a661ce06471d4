"""Query latency with documents shared through groups (issue 15), against the same people's
own-documents-only retrieval, measured interleaved in the same run on the same table.

The table is ``benchmarks.query_latency``'s (synthetic unit vectors, real text, 100 owners,
20 chunks per document), maintained as the service does (indexes folded, rows clustered by
owner, IVF_HNSW_SQ from 50k rows). Each asker also reads ``S`` documents of other owners (the
``shared`` ids the registry returns): the read filter becomes ``owner = X OR doc_id IN (...)``.
The registry lookup itself (``shared_with_any``) is timed on SQLite with 5,000 documents.

Run: nice -n 10 .venv/bin/python -m benchmarks.sharing_latency [--size 100000] [--queries 200]
     [--shared 0 10 100 1000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.query_latency import DEPTH, DIM, WEIGHTS, build, percentiles, sample_queries
from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_registry import SqliteRegistry
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.lance_table import connect, open_table
from service.maintenance import run_maintenance
from service.models import Document, DocumentStatus
from service.retrieval import HybridRetriever
from service.vectors import ChunkStore

K = 10
CHUNKS_PER_DOC = 20  # as benchmarks.query_latency.build


def interleaved(variants: dict[str, Callable[[int], object]], n: int) -> dict[str, list[float]]:
    """Each query runs every variant in turn, so machine load falls on all of them alike."""
    for i in range(min(10, n)):  # warm caches
        for fn in variants.values():
            fn(i)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(n):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn(i)
            times[name].append(time.perf_counter() - start)
    return times


def registry_lookup(path: Path, docs: int, groups: int, q: int) -> dict[str, Any]:
    """``shared_with_any`` for a person in 3 groups, on a registry of ``docs`` documents of
    which a fifth are shared, each with one of ``groups`` groups."""
    registry = SqliteRegistry(SqliteDb(path / "registry.sqlite3"))
    now = datetime.now(UTC)
    rng = random.Random(5)
    for i in range(docs):
        doc = Document(
            doc_id=f"doc{i}",
            owner=f"user{i % 100:03d}",
            filename="bench.txt",
            blob_key=f"documents/user{i % 100:03d}/doc{i}",
            status=DocumentStatus.INDEXED,
            created_at=now,
            updated_at=now,
        )
        registry.create(doc)
        if i % 5 == 0:
            registry.share(doc.doc_id, [f"group{rng.randrange(groups)}"])
    askers = [[f"group{rng.randrange(groups)}" for _ in range(3)] for _ in range(q)]
    times, found = [], []
    for names in askers:
        start = time.perf_counter()
        found.append(len(registry.shared_with_any(names)))
        times.append(time.perf_counter() - start)
    return {**percentiles(times), "mean_shared_docs_found": round(float(np.mean(found)), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--shared", type=int, nargs="+", default=[0, 10, 100, 1000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = run(Path(tmp), args.size, args.queries, args.shared)
        report["registry_lookup_sqlite_5000_docs"] = registry_lookup(Path(tmp), 5000, 50, 200)
    print(json.dumps(report, indent=2))


def run(path: Path, n: int, q: int, shared_counts: list[int]) -> dict[str, Any]:
    _, vectors, texts, owners = build(path / "t", n)
    store = ChunkStore(
        open_table(connect(str(path / "t")), "chunks", model_id="synthetic", dim=DIM)
    )
    cluster = Settings().cluster_max_runs_per_owner
    run_maintenance(store, retention_s=3600, cluster_max_runs_per_owner=cluster)
    model = MiniLMEmbedding()
    picks, qvecs, qtexts = sample_queries(vectors, texts, q)
    docs = sorted({i // CHUNKS_PER_DOC for i in range(n)})
    # the asker of query i is the owner of the row it came from; they read ``s`` other
    # owners' documents, among them the document the query came from (so it must be found)
    askers: dict[int, list[list[str]]] = {}
    for s in shared_counts:
        lists = []
        for i, p in enumerate(picks):
            others = random.Random(i).sample(docs, min(s + 20, len(docs)))
            ids = [f"doc{d}" for d in others if owners[d * CHUNKS_PER_DOC] != owners[p]][:s]
            lists.append(ids)
        askers[s] = lists

    def variant(s: int) -> Callable[[int], object]:
        def search(i: int) -> object:
            retriever = HybridRetriever(
                store,
                model,
                owner=owners[picks[i]],
                top_k=K,
                candidates=DEPTH,
                weights=WEIGHTS,
                shared=askers[s][i],
            )
            return retriever.search(qtexts[i], embedding=qvecs[i].tolist())

        return search

    times = interleaved({f"hybrid, {s} shared docs": variant(s) for s in shared_counts}, q)
    results: dict[str, Any] = {name: percentiles(t) for name, t in times.items()}
    base = results[f"hybrid, {shared_counts[0]} shared docs"]["p95_ms"]
    for s in shared_counts[1:]:
        ratio = results[f"hybrid, {s} shared docs"]["p95_ms"] / base
        results[f"ratio p95 {s} shared / {shared_counts[0]}"] = round(ratio, 2)
    data = (vectors, texts, owners)
    results["found_shared_source_at_10"] = shared_found(store, model, data, n)
    return results


def shared_found(
    store: ChunkStore,
    model: MiniLMEmbedding,
    data: tuple[np.ndarray[Any, Any], list[str], list[str]],
    n: int,
) -> float:
    """Share with an asker the document a query came from (another owner's): the fraction of
    queries whose top 10 contains it (that the shared read works, not latency)."""
    vectors, texts, owners = data
    rng = random.Random(9)
    rows = [rng.randrange(n) for _ in range(50)]
    hits = 0
    for row in rows:
        doc = f"doc{row // CHUNKS_PER_DOC}"
        asker = owners[(row + 1) % n]  # another owner: owners cycle row by row
        retriever = HybridRetriever(
            store, model, owner=asker, top_k=K, candidates=DEPTH, weights=WEIGHTS, shared=[doc]
        )
        query = " ".join(texts[row].split()[5:10])
        found = retriever.search(query, embedding=vectors[row].tolist())
        hits += doc in {h.doc_id for h in found}
    return round(hits / len(rows), 3)


if __name__ == "__main__":
    main()
