"""Ingestion throughput: chunks/s end to end (queue -> parse -> chunk -> embed -> LanceDB ->
INDEXED) and for the embedding model alone, on about 2,000 chunks of standard-library text.

Run: .venv/bin/python -m benchmarks.ingestion [--chars 1400000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import corpus
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.wiring import build_services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=1_400_000)
    args = parser.parse_args()
    texts = corpus(args.chars)
    with tempfile.TemporaryDirectory() as tmp:
        svc = build_services(Settings(data_dir=Path(tmp)))
        for name, text in texts.items():
            svc.documents.add("bench", name, text.encode())
        assert svc.worker is not None
        started = time.perf_counter()
        svc.worker.drain()
        elapsed = time.perf_counter() - started
        chunks = svc.store.count(owner="bench")
        sample = [n.get_content() for n in svc.store.get_nodes(owner="bench")]
    model = MiniLMEmbedding()
    model.embed(sample[:8])  # load the session before timing
    started = time.perf_counter()
    for i in range(0, len(sample), 16):
        model.embed(sample[i : i + 16])
    embed_elapsed = time.perf_counter() - started
    result = {
        "documents": len(texts),
        "characters": sum(len(t) for t in texts.values()),
        "chunks": chunks,
        "end_to_end_s": round(elapsed, 2),
        "end_to_end_chunks_per_s": round(chunks / elapsed, 1),
        "embedding_only_s": round(embed_elapsed, 2),
        "embedding_only_chunks_per_s": round(len(sample) / embed_elapsed, 1),
        "embedding_share_of_end_to_end": round(embed_elapsed / elapsed, 3),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
