"""AWS path benchmarks: cold import of each Lambda handler module, and embedding/ingestion
throughput against the Bedrock test server at a fixed latency per call, sequential vs
concurrent Titan calls.

Run: ``.venv/bin/python benchmarks/aws_path.py [--latency-ms 50] [--repeats 5]``.
The test server's vectors are hash-based here (not MiniLM) so its own CPU use does not cap the
client's concurrency on a 2-core machine; the latency per call is what Bedrock would add.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HANDLERS = [
    "ws_authorizer",
    "ws_connection",
    "ws_message",
    "chat_worker",
    "ingest",
    "admin",
    "maintenance",
]
HEAVY = ("llama_index", "lancedb", "boto3")
PROBE = (
    "import sys, time; t = time.perf_counter(); import handlers.aws.{m}; "
    "print(time.perf_counter() - t); print(','.join(p for p in {heavy!r} if p in sys.modules))"
)


def import_cost(module: str, repeats: int) -> tuple[float, float, str]:
    """Median wall seconds and median ``-X importtime`` self+children seconds of a cold
    import (fresh interpreter each time), and which heavy packages it pulled in."""
    walls, cumulative, heavy = [], [], ""
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "1"}
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", PROBE.format(m=module, heavy=HEAVY)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
        lines = out.stdout.strip().splitlines()
        walls.append(float(lines[0]))
        heavy = lines[1] if len(lines) > 1 else ""
        top = [
            line for line in out.stderr.splitlines() if line.endswith(f"| handlers.aws.{module}")
        ]
        cumulative.append(int(top[-1].split("|")[1]) / 1e6 if top else float("nan"))
    return statistics.median(walls), statistics.median(cumulative), heavy or "-"


def hash_embed(texts: list[str]) -> np.ndarray:
    """Deterministic unit vectors from a hash: costs the server almost nothing."""
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for i, text in enumerate(texts):
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        vector = np.random.default_rng(seed).standard_normal(384)
        out[i] = vector / np.linalg.norm(vector)
    return out


def embed_throughput(url: str, concurrency: int, texts: list[str]) -> float:
    """Texts per second through ``BedrockEmbeddings`` at ``concurrency``."""
    from service.bedrock import bedrock_embedding
    from service.config import Settings

    settings = Settings(
        embed_provider="bedrock-titan",  # type: ignore[arg-type]
        bedrock_endpoint_url=url,
        bedrock_concurrency=concurrency,
        bedrock_embed_dimensions=512,
    )
    model = bedrock_embedding(settings)
    started = time.perf_counter()
    model.get_text_embedding_batch(texts)
    return len(texts) / (time.perf_counter() - started)


def ingest_throughput(url: str, concurrency: int) -> tuple[float, int]:
    """Chunks per second ingesting the sample documents end to end (parse, chunk, embed
    through the test server, LanceDB write) with the local registry and queue."""
    from service.bedrock import bedrock_embedding
    from service.config import Settings
    from service.wiring import build_services

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            embed_provider="bedrock-titan",  # type: ignore[arg-type]
            bedrock_endpoint_url=url,
            bedrock_concurrency=concurrency,
            bedrock_embed_dimensions=512,
        )
        model = bedrock_embedding(settings)
        services = build_services(settings, embed_model=model, embed_model_id=model.model_name)
        started = time.perf_counter()
        for path in sorted((ROOT / "samples" / "docs").iterdir()):
            services.documents.add("bench", path.name, path.read_bytes())
        assert services.worker is not None
        services.worker.drain()
        elapsed = time.perf_counter() - started
        chunks = services.store.count(owner="bench")
    return chunks / elapsed, chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--texts", type=int, default=128)
    args = parser.parse_args()
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        os.environ.setdefault(name, value)

    print(f"## Cold import of handler modules (median of {args.repeats}, fresh interpreter)\n")
    print("| module | wall s | -X importtime s | heavy packages imported |")
    print("| --- | --- | --- | --- |")
    for module in HANDLERS:
        wall, cumulative, heavy = import_cost(module, args.repeats)
        print(f"| handlers.aws.{module} | {wall:.3f} | {cumulative:.3f} | {heavy} |")

    from tests.aws.bedrock_server import BedrockServer

    server = BedrockServer(hash_embed).start()
    server.latency_s = args.latency_ms / 1000
    texts = [f"passage {i}: " + "survey notes " * 20 for i in range(args.texts)]
    print(f"\n## Titan embeddings at {args.latency_ms:.0f} ms per call ({args.texts} texts)\n")
    print("| concurrency | texts/s | speed-up |")
    print("| --- | --- | --- |")
    base = embed_throughput(server.url, 1, texts)
    for concurrency in (1, 8, 16):
        rate = base if concurrency == 1 else embed_throughput(server.url, concurrency, texts)
        print(f"| {concurrency} | {rate:.1f} | {rate / base:.1f}x |")
    print(f"\n## Ingestion of the sample documents at {args.latency_ms:.0f} ms per call\n")
    print("| concurrency | chunks | chunks/s | speed-up |")
    print("| --- | --- | --- | --- |")
    first = 0.0
    for concurrency in (1, 8, 16):
        rate, chunks = ingest_throughput(server.url, concurrency)
        first = first or rate
        print(f"| {concurrency} | {chunks} | {rate:.1f} | {rate / first:.1f}x |")
    server.stop()


if __name__ == "__main__":
    main()
