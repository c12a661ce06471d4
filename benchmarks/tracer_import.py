"""The X-Ray SDK's share of the heavy handlers' cold starts (issue 16): the chat worker and
ingest modules, imported and "ready" (as in ``cold_start.py``), from a checkout of an earlier
commit (its ``Tracer`` made at import, X-Ray SDK loaded even with tracing disabled) against
this tree, interleaved round by round in the same run with ``POWERTOOLS_TRACE_DISABLED=1``.

Run: ``git archive e9602be | tar -x -C /tmp/before`` then
``.venv/bin/python benchmarks/tracer_import.py /tmp/before [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.cold_start import AWS_ENV, BASELINE, HEAVY, READY, READY_CLIENTS, _env

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import sys, {m}; print(','.join(p for p in {h!r} if p in sys.modules), file=sys.stderr)"


def cases() -> dict[str, list[str]]:
    """The processes timed in each tree."""
    python = [sys.executable, "-c"]
    out = {f"baseline: {BASELINE}": [*python, BASELINE]}
    for name, clients in READY_CLIENTS.items():
        module = f"handlers.aws.{name}"
        out[f"{module} import"] = [*python, PROBE.format(m=module, h=HEAVY)]
        out[f"{module} ready"] = [*python, READY.format(m=name, c=clients, h=HEAVY)]
    return out


def cpu_seconds(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    """User + system CPU seconds of one process run in ``cwd`` (its code is imported from there)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a checkout of the earlier commit")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT}
    load = os.getloadavg()[0]
    cpu: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        envs = {
            tree: {**_env("compiled", Path(tmp) / tree / "cache", Path(tmp) / tree / "data"),
                   **AWS_ENV, "POWERTOOLS_TRACE_DISABLED": "1"}
            for tree, path in trees.items()
        }  # fmt: skip
        for round_ in range(args.repeats + 1):  # round 0 fills the bytecode caches, untimed
            for name, cmd in cases().items():
                for tree, path in trees.items():
                    seconds = cpu_seconds(cmd, envs[tree], path)
                    if round_:
                        cpu.setdefault((name, tree), []).append(seconds)
    print(f"median CPU s of {args.repeats}; load {load:.1f} -> {os.getloadavg()[0]:.1f}\n")
    print("| process | before: CPU s | after: CPU s | saved |")
    print("| --- | --- | --- | --- |")
    for name in cases():
        before = statistics.median(cpu[(name, "before")])
        after = statistics.median(cpu[(name, "after")])
        print(f"| {name} | {before:.2f} | {after:.2f} | {before - after:+.2f} |")


if __name__ == "__main__":
    main()
