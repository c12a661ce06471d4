"""Maintenance retrains the approximate vector index once the table has doubled since the
index was built, and owner-filtered recall against exact search stays >= 0.95."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from service.lance_table import chunk_schema, connect, open_table
from service.maintenance import INDEX_BUILDS, retrain_vector_index, run_maintenance
from service.vectors import ChunkStore

DIM, HALF, OWNERS, QUERIES = 384, 8_000, 40, 80


def rows(vectors: np.ndarray, owners: np.ndarray, start: int) -> pa.Table:
    n = len(vectors)
    ids = range(start, start + n)
    return pa.table(
        {
            "id": [f"d{i // 10}:{i % 10:06d}" for i in ids],
            "doc_id": [f"d{i // 10}" for i in ids],
            "owner": owners.tolist(),
            "text": ["text"] * n,
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIM),
            "filename": ["f.txt"] * n,
            "page": pa.array([None] * n, pa.int32()),
            "chunk_index": pa.array([i % 10 for i in ids], pa.int32()),
        },
        schema=chunk_schema("m", DIM),
    )


def recall(store: ChunkStore, vectors: np.ndarray, owners: np.ndarray) -> float:
    rng = np.random.default_rng(11)
    found = []
    for q in range(QUERIES):
        owner = f"u{q % OWNERS}"
        query = vectors[(q * 97) % len(vectors)] + rng.normal(scale=0.05, size=DIM)
        query = query.astype(np.float32)
        mine = np.flatnonzero(owners == owner)
        exact = set(mine[np.argsort(-(vectors[mine] @ query))[:10]].tolist())
        hits = store.search_vector(query.tolist(), owner=owner, k=10)
        got = {int(h.doc_id[1:]) * 10 + h.chunk_index for h in hits}
        found.append(len(got & exact) / 10)
    return float(np.mean(found))


def test_index_is_retrained_when_the_table_doubles(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(2 * HALF, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    owners = np.array([f"u{i % OWNERS}" for i in range(2 * HALF)])
    db = connect(str(tmp_path))
    store = ChunkStore(open_table(db, "chunks", model_id="m", dim=DIM))
    store._t.add(rows(vectors[:HALF], owners[:HALF], 0))
    assert run_maintenance(store, retention_s=3600, vector_index_min_rows=HALF).vector_index_built
    assert not retrain_vector_index(db, store._t)  # records the size it was trained on
    store._t.add(rows(vectors[HALF : 2 * HALF - 1], owners[HALF : 2 * HALF - 1], HALF))
    assert not retrain_vector_index(db, store._t)  # one row short of double
    store._t.add(rows(vectors[-1:], owners[-1:], 2 * HALF - 1))
    run_maintenance(store, retention_s=3600, vector_index_min_rows=HALF)
    assert retrain_vector_index(db, store._t)
    builds = db.open_table(INDEX_BUILDS).to_arrow().to_pylist()
    assert [b["rows"] for b in builds] == [HALF, 2 * HALF]
    assert recall(store, vectors, owners) >= 0.95
    assert not retrain_vector_index(db, store._t)  # until it doubles again
