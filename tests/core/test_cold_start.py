"""The ``rag`` command's light paths stay light: what ``--help``, ``--version`` and
``docs list`` import in a fresh interpreter (their start-up time is in
``benchmarks/cold_start.py``; no timing is asserted here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("lancedb", "llama_index", "onnxruntime", "pandas", "pyarrow", "tokenizers")
# Runs the real CLI entry point, then reports (at exit, after SystemExit) which heavy
# packages the process had imported.
PROBE = """
import atexit, sys
heavy = {heavy!r}
loaded = lambda: ",".join(p for p in heavy if p in sys.modules)
atexit.register(lambda: sys.stderr.write("HEAVY=" + loaded() + "\\n"))
sys.argv = ["rag", *{args!r}]
from handlers.cli.main import app
app()
"""


def run_cli(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY, args=list(args))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    lines = [line for line in out.stderr.splitlines() if line.startswith("HEAVY=")]
    assert lines, out.stderr
    return out, [p for p in lines[-1].removeprefix("HEAVY=").split(",") if p]


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["docs", "--help"], ["docs", "list", "--json"]]
)
def test_light_commands_import_no_heavy_packages(tmp_path: Path, args: list[str]) -> None:
    out, heavy = run_cli(tmp_path, *args)
    assert out.returncode == 0, out.stderr
    assert heavy == []


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    out, _ = run_cli(tmp_path, "--version")
    assert out.stdout.strip() == f"rag {version('rag-service')}"


def test_docs_list_reads_the_registry_without_opening_the_index(tmp_path: Path) -> None:
    out, heavy = run_cli(tmp_path, "docs", "list", "--json")
    assert json.loads(out.stdout) == []
    assert heavy == []
    assert not (tmp_path / "data" / "lancedb").exists()  # the vector table was never opened


def test_a_command_that_answers_loads_the_index(tmp_path: Path) -> None:
    """The probe can fail: a command that needs the index does import LanceDB."""
    out, heavy = run_cli(tmp_path, "maintain")
    assert out.returncode == 0, out.stderr
    assert "lancedb" in heavy
