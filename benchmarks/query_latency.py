"""Query latency of the service's hybrid retrieval at 10k and 100k chunks over 100 owners,
against raw LanceDB and numpy baselines measured in the same run.

Tables are built from synthetic unit vectors and real text (standard-library docs), not by
embedding 100k chunks. The query embedding time is measured separately with the real model.

Run: .venv/bin/python -m benchmarks.query_latency [--sizes 10000 100000] [--queries 200]
     [--rerank-depths 8 12]   # also question -> sources with the sentence reranker (issue 12)
[--cluster 0]  (0: rows as written; default: maintenance clusters them by owner)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import lancedb
import numpy as np
import pyarrow as pa
from lancedb.query import MatchQuery

from benchmarks.corpus import corpus
from service import filters as f
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.keywords import KeywordIndex
from service.lance_table import chunk_schema, connect, open_table
from service.maintenance import run_maintenance
from service.options import FusionWeights
from service.rerank import SentenceReranker
from service.retrieval import HybridRetriever, fuse
from service.vectors import ALL_PARTITIONS, ChunkStore, Hit

DEFAULTS = Settings()
DEPTH = DEFAULTS.candidates  # the service's default candidate depth per retriever
WEIGHTS = DEFAULTS.fusion
DIM = 384
RESULT_COLUMNS = ["id", "doc_id", "owner", "text", "filename", "page", "chunk_index"]
OWNERS = 100
K = 10


def passages(n: int, rng: random.Random) -> list[str]:
    words = re.findall(r"\S+", " ".join(corpus().values()))
    return [" ".join(words[s : s + 60]) for s in (rng.randrange(len(words) - 60) for _ in range(n))]


def build(path: Path, n: int, seed: int = 7) -> tuple[Any, np.ndarray, list[str], list[str]]:
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = passages(n, rng)
    owners = [f"user{i % OWNERS:03d}" for i in range(n)]
    rows = pa.table(
        {
            "id": [f"doc{i // 20}:{i % 20:06d}" for i in range(n)],
            "doc_id": [f"doc{i // 20}" for i in range(n)],
            "owner": owners,
            "text": texts,
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIM),
            "filename": ["bench.txt"] * n,
            "page": pa.array([None] * n, pa.int32()),
            "chunk_index": pa.array([i % 20 for i in range(n)], pa.int32()),
        },
        schema=chunk_schema("synthetic", DIM),
    )
    table = connect(str(path)).create_table("chunks", schema=rows.schema)
    table.add(rows)
    table.optimize()
    return table, vectors, texts, owners


def sample_queries(
    vectors: np.ndarray, texts: list[str], q: int
) -> tuple[list[int], np.ndarray, list[str]]:
    """``q`` questions drawn from the table's rows (seeded): the rows they came from, their
    vectors (the row's, with noise, normalised) and their text (five of the row's words)."""
    rng = random.Random(1)
    picks = [rng.randrange(len(texts)) for _ in range(q)]
    noise = np.random.default_rng(2).normal(scale=0.05, size=(q, DIM)).astype(np.float32)
    qvecs = vectors[picks] + noise
    qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
    return picks, qvecs, [" ".join(texts[p].split()[5:10]) for p in picks]


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 3),
    }


def timed(fn: Callable[[int], object], n: int) -> list[float]:
    for i in range(min(10, n)):  # warm caches
        fn(i)
    out = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rerank-depths", type=int, nargs="*", default=[])
    parser.add_argument(
        "--cluster",
        type=float,
        default=DEFAULTS.cluster_max_runs_per_owner,
        help="maintenance's RAG_CLUSTER_MAX_RUNS_PER_OWNER (0: rows left as written)",
    )
    args = parser.parse_args()
    model = MiniLMEmbedding()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            report[str(n)] = run_size(Path(tmp) / str(n), n, args.queries, model, args.cluster)
            if args.rerank_depths:
                report[str(n)]["question_to_sources"] = question_to_sources(
                    Path(tmp) / str(n), n, args.queries, model, args.rerank_depths
                )
    print(json.dumps(report, indent=2))


def run_size(
    path: Path, n: int, q: int, model: MiniLMEmbedding, cluster: float = 0.0
) -> dict[str, Any]:
    raw, vectors, texts, owners = build(path / "plain", n)
    store = ChunkStore(
        open_table(connect(str(path / "plain")), "chunks", model_id="synthetic", dim=DIM)
    )
    # what the service's maintenance does: fold rows into the indexes and, from 50k rows, build
    # the IVF_HNSW_SQ vector index (below that, exact search)
    run_maintenance(
        store, retention_s=3600, vector_index_min_rows=50_000, cluster_max_runs_per_owner=cluster
    )
    picks, qvecs, qtexts = sample_queries(vectors, texts, q)
    qowners = [owners[p] for p in picks]
    by_owner = {o: np.flatnonzero(np.array(owners) == o) for o in set(owners)}
    noidx = lancedb.connect(str(path / "noidx")).create_table("t", data=raw.to_arrow())

    def ours(i: int) -> list[Hit]:
        retriever = HybridRetriever(
            store, model, owner=qowners[i], top_k=K, candidates=DEPTH, weights=WEIGHTS
        )
        return retriever.search(qtexts[i], embedding=qvecs[i].tolist())

    def table_wide_text(i: int) -> list[Hit]:
        """The keyword search before issue 13: the index's table-wide BM25 scores as they are."""
        rows = (
            store._t.search(MatchQuery(qtexts[i], "text"), query_type="fts")
            .where(f.eq("owner", qowners[i]), prefilter=True)
            .select([*RESULT_COLUMNS, "_score"])
            .limit(DEPTH)
            .to_list()
        )
        return [Hit(**{c: r[c] for c in RESULT_COLUMNS}, score=r["_score"]) for r in rows]

    def before_issue_13(i: int) -> list[Hit]:
        """Hybrid as it was before per-owner keyword statistics, for the same-run comparison."""
        text = pool.submit(table_wide_text, i)
        vector = store.search_vector(qvecs[i].tolist(), owner=qowners[i], k=DEPTH)
        return fuse(vector, text.result(), WEIGHTS, K)

    def ours_text(i: int) -> list[Hit]:
        return store.search_text(qtexts[i], owner=qowners[i], k=DEPTH)

    def ours_vector(i: int) -> list[Hit]:
        return store.search_vector(qvecs[i].tolist(), owner=qowners[i], k=K)

    def plain(i: int) -> object:
        return (
            noidx.search(qvecs[i])
            .distance_type("cosine")
            .where(f.eq("owner", qowners[i]), prefilter=True)
            .limit(K)
            .to_arrow()
        )

    def raw_text(i: int) -> object:
        return (
            store._t.search(MatchQuery(qtexts[i], "text"), query_type="fts")
            .where(f.eq("owner", qowners[i]), prefilter=True)
            .select(["id", "_score"])
            .limit(DEPTH)
            .to_arrow()
        )

    def raw_hybrid(i: int) -> object:
        """Both raw searches at once, minimal columns, no fusion (the best raw shape)."""
        text = pool.submit(raw_text, i)
        vector = (
            store._t.search(qvecs[i])
            .distance_type("cosine")
            .where(f.eq("owner", qowners[i]), prefilter=True)
            .nprobes(ALL_PARTITIONS)
            .select(["id", "_distance"])
            .limit(DEPTH)
            .to_arrow()
        )
        return vector, text.result()

    def raw_vector(i: int) -> object:
        return (
            store._t.search(qvecs[i])
            .distance_type("cosine")
            .where(f.eq("owner", qowners[i]), prefilter=True)
            .nprobes(ALL_PARTITIONS)
            .select(["id", "_distance"])
            .limit(K)
            .to_arrow()
        )

    def numpy_brute(i: int) -> np.ndarray:
        rows = by_owner[qowners[i]]
        scores = vectors[rows] @ qvecs[i]
        top = np.argpartition(-scores, K)[:K]
        return rows[top[np.argsort(-scores[top])]]

    def keyword_index_cold(i: int) -> object:
        """A reader's first keyword search after their rows changed: their index is built."""
        return KeywordIndex().rows_index(store._t, f.eq("owner", qowners[i]))

    pool = ThreadPoolExecutor(max_workers=2)
    cold_keyword = percentiles(timed(keyword_index_cold, q))
    for owner in set(qowners):  # the series below measure warm readers (indexes built)
        store.search_text("warm", owner=owner, k=1)
    embed_times = timed(lambda i: model.embed([qtexts[i]]), q)
    exact = [set(numpy_brute(i).tolist()) for i in range(q)]
    got = [
        {int(h.id.split(":")[0][3:]) * 20 + h.chunk_index for h in ours_vector(i)} for i in range(q)
    ]
    recall = statistics.mean(len(a & b) / K for a, b in zip(exact, got, strict=True))
    results = {
        "service_hybrid": percentiles(timed(ours, q)),
        "service_hybrid_table_wide_bm25_before_issue_13": percentiles(timed(before_issue_13, q)),
        "service_text_only_owner_bm25": percentiles(timed(ours_text, q)),
        "service_text_only_table_wide_bm25_before": percentiles(timed(table_wide_text, q)),
        "keyword_index_build_per_owner_cold": cold_keyword,
        "service_vector_only": percentiles(timed(ours_vector, q)),
        "query_embedding": percentiles(embed_times),
        "a_plain_lancedb_vector_no_index": percentiles(timed(plain, q)),
        "b_raw_lancedb_hybrid_same_work": percentiles(timed(raw_hybrid, q)),
        "b_raw_lancedb_vector_bitmap_and_ann_if_built": percentiles(timed(raw_vector, q)),
        "b_raw_lancedb_text_bitmap": percentiles(timed(raw_text, q)),
        "c_numpy_brute_force_owner_rows": percentiles(timed(numpy_brute, q)),
        "service_vector_recall_at_10_vs_exact": round(recall, 4),
    }
    # issue 17: the service's default re-ranks ANN candidates by exact distance (no-op without
    # the index); measured in the same run as the plain index distances above
    store.refine_factor = DEFAULTS.vector_refine_factor
    results["service_hybrid_refined"] = percentiles(timed(ours, q))
    got = [
        {int(h.id.split(":")[0][3:]) * 20 + h.chunk_index for h in ours_vector(i)} for i in range(q)
    ]
    results["service_vector_recall_at_10_refined"] = round(
        statistics.mean(len(a & b) / K for a, b in zip(exact, got, strict=True)), 4
    )
    store.refine_factor = None
    hybrid, embed = results["service_hybrid"], results["query_embedding"]
    results["service_hybrid_with_embedding"] = {
        key: round(hybrid[key] + embed[key], 3) for key in ("p50_ms", "p95_ms")
    }
    results["ratio_service_to_raw_hybrid_p95"] = round(
        hybrid["p95_ms"] / results["b_raw_lancedb_hybrid_same_work"]["p95_ms"], 2
    )
    return results


def question_to_sources(
    path: Path, n: int, q: int, model: MiniLMEmbedding, depths: list[int]
) -> dict[str, Any]:
    """Question to sources (query embedding + hybrid retrieval [+ sentence reranking of the
    first ``depth`` candidates]), every variant on the same table and questions in one run."""
    _, _, texts, owners = build(path / "q2s", n)
    store = ChunkStore(
        open_table(connect(str(path / "q2s")), "chunks", model_id="synthetic", dim=DIM)
    )
    run_maintenance(store, retention_s=3600, vector_index_min_rows=50_000)
    rng = random.Random(3)
    picks = [rng.randrange(n) for _ in range(q)]
    questions = [" ".join(texts[p].split()[5:15]) for p in picks]

    def pipeline(depth: int | None, weights: FusionWeights = WEIGHTS) -> Callable[[int], object]:
        reranker = SentenceReranker(model.embed) if depth else None

        def run(i: int) -> object:
            retriever = HybridRetriever(
                store,
                model,
                owner=owners[picks[i]],
                top_k=6,
                candidates=DEPTH,
                weights=weights,
                reranker=reranker,
                rerank_depth=depth or 6,
            )
            return retriever.search(questions[i])

        return run

    out = {"current (no rerank)": percentiles(timed(pipeline(None), q))}
    # issue 12, third round: the same pipeline without the document-openings search
    two_lists = pipeline(None, replace(WEIGHTS, opening=0.0))
    out["before openings (vector + text only)"] = percentiles(timed(two_lists, q))
    out["ratio current / before openings p95"] = round(
        out["current (no rerank)"]["p95_ms"]
        / out["before openings (vector + text only)"]["p95_ms"],
        2,
    )
    for depth in depths:
        out[f"sentence rerank depth {depth}"] = percentiles(timed(pipeline(depth), q))
        out[f"ratio depth {depth} / current p95"] = round(
            out[f"sentence rerank depth {depth}"]["p95_ms"] / out["current (no rerank)"]["p95_ms"],
            2,
        )
    return out


if __name__ == "__main__":
    main()
