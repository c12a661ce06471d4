"""Cold starts: the ``rag`` command's light paths and each Lambda handler module, as ratios to
``import lancedb, llama_index.core`` (the floor the heavy handlers cannot go below) measured in
the same run. Every measurement is a fresh interpreter; the median of ``--repeats`` is shown.

Run: ``.venv/bin/python benchmarks/cold_start.py [--repeats 7] [--bytecode compiled|source]``.

Each process is timed by wall clock and by CPU time (user + system, from ``getrusage`` of the
child): on a shared machine the CPU time is the steadier of the two, and ratios use it.
"Ready" rows import a heavy handler and build its services as its first request would (AWS
mode with Bedrock providers, the boto3 clients that request uses made but not called, the
LanceDB table in a temporary directory instead of S3): everything but the network.

``--bytecode compiled`` (default) gives the interpreter a private, pre-warmed bytecode cache
(``PYTHONPYCACHEPREFIX``), as on Lambda (the image runs ``compileall``) or after
``make install`` (``uv pip sync --compile-bytecode``). ``source`` sets
``PYTHONDONTWRITEBYTECODE=1`` with an empty cache prefix, so every module is compiled from
source on every start: what these machines did before ``make install`` compiled bytecode.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handlers.aws import ENTRY_POINTS

ROOT = Path(__file__).resolve().parent.parent
RAG = Path(sys.executable).parent / "rag"
HEAVY = ("lancedb", "llama_index", "onnxruntime", "boto3")
BASELINE = "import lancedb, llama_index.core"
HANDLERS = list(ENTRY_POINTS)  # module names under handlers.aws
# targets from issue 11: CLI light paths < 1.0 s; chat worker and ingest within 1.15x of the
# baseline; the light WebSocket handlers < 0.3 s
TARGETS = {
    "rag --help": ("s", 1.0),
    "rag --version": ("s", 1.0),
    "rag docs list": ("s", 1.0),
    "handlers.aws.ws_authorizer": ("s", 0.3),
    "handlers.aws.ws_connection": ("s", 0.3),
    "handlers.aws.chat_worker": ("x", 1.15),
    "handlers.aws.ingest": ("x", 1.15),
    "handlers.aws.chat_worker ready": ("x", 1.15),
    "handlers.aws.ingest ready": ("x", 1.15),
}
READY = (
    "import sys, handlers.aws.{m} as h; from service.adapters.aws_clients import aws_client; "
    "s = h._services(); s.heavy(); [aws_client(s.settings, c) for c in {c!r}]; "
    "print(','.join(p for p in {h!r} if p in sys.modules), file=sys.stderr)"
)
# boto3 clients are made on first use: a ready handler has made those its first request calls
READY_CLIENTS = {
    "chat_worker": ("dynamodb", "apigatewaymanagementapi"),
    "ingest": ("dynamodb", "s3", "apigatewaymanagementapi"),
}


def _env(bytecode: str, cache: Path, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPYCACHEPREFIX": str(cache),
        "RAG_DATA_DIR": str(data_dir),
        "RAG_LANCEDB_URI": str(data_dir / "lancedb"),
        "POWERTOOLS_TRACE_DISABLED": "1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",  # boto3 wants some; nothing is called
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    if bytecode == "source":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def commands() -> dict[str, list[str]]:
    """What is timed: each a full process start to exit."""
    python = [sys.executable, "-c"]
    probe = (
        "import sys, {m}; print(','.join(p for p in {h!r} if p in sys.modules), file=sys.stderr)"
    )
    cases = {
        "python (empty interpreter)": [*python, "pass"],
        f"baseline: {BASELINE}": [*python, BASELINE],
        "rag --help": [str(RAG), "--help"],
        "rag --version": [str(RAG), "--version"],
        "rag docs list": [str(RAG), "docs", "list", "--json"],
    }
    for name in HANDLERS:
        module = f"handlers.aws.{name}"
        cases[module] = [*python, probe.format(m=module, h=HEAVY)]
    for name, clients in READY_CLIENTS.items():
        ready = READY.format(m=name, c=clients, h=HEAVY)
        cases[f"handlers.aws.{name} ready"] = [*python, ready]
    return cases


AWS_ENV = {
    "RAG_MODE": "aws",
    "RAG_EMBED_PROVIDER": "bedrock-titan",
    "RAG_LLM_PROVIDER": "bedrock",
}


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one run, and its stderr's last line (the heavy packages)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = out.stderr.strip().splitlines()
    return elapsed, cpu, lines[-1] if lines else ""


def measure(bytecode: str, repeats: int) -> dict[str, tuple[float, float, str]]:
    """Median wall and CPU seconds (and heavy packages) of every command, interleaved round by
    round so a change in machine load affects all of them alike."""
    with tempfile.TemporaryDirectory() as tmp:
        cache, data = Path(tmp) / "pycache", Path(tmp) / "data"
        env = _env(bytecode, cache, data)
        cases = commands()
        envs = {n: {**env, **AWS_ENV} if n.startswith("handlers.") else env for n in cases}
        if bytecode == "compiled":  # one untimed run each fills the bytecode cache
            for name, cmd in cases.items():
                run_once(cmd, envs[name])
        walls: dict[str, list[float]] = {name: [] for name in cases}
        cpus: dict[str, list[float]] = {name: [] for name in cases}
        heavy: dict[str, str] = {}
        for _ in range(repeats):
            for name, cmd in cases.items():
                wall, cpu, last = run_once(cmd, envs[name])
                walls[name].append(wall)
                cpus[name].append(cpu)
                heavy[name] = last if name.startswith("handlers.") else ""
    return {
        name: (statistics.median(walls[name]), statistics.median(cpus[name]), heavy[name])
        for name in cases
    }


def verdict(name: str, seconds: float, ratio: float) -> str:
    """Met or not, against the issue's target for ``name``."""
    if name not in TARGETS:
        return ""
    unit, limit = TARGETS[name]
    value = seconds if unit == "s" else ratio
    shown = f"< {limit} s" if unit == "s" else f"<= {limit}x"
    return f"{shown}: {'met' if value <= limit else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--bytecode", choices=("compiled", "source"), default="compiled")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    results = measure(args.bytecode, args.repeats)
    base = results[f"baseline: {BASELINE}"][1]
    if args.json:
        rows = {k: {"wall_s": w, "cpu_s": c, "heavy": h} for k, (w, c, h) in results.items()}
        print(json.dumps(rows, indent=2))
        return
    print(f"bytecode: {args.bytecode}; median of {args.repeats}; load {load:.1f} -> ", end="")
    print(f"{os.getloadavg()[0]:.1f}\n")
    print("| process | wall s | CPU s | CPU x baseline | heavy packages imported | target (CPU) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (wall, cpu, heavy) in results.items():
        ratio = cpu / base
        print(
            f"| {name} | {wall:.3f} | {cpu:.3f} | {ratio:.2f} | {heavy or '-'} | "
            f"{verdict(name, cpu, ratio)} |"
        )


if __name__ == "__main__":
    main()
