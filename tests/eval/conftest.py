"""Fixtures of the evaluation tests: one run of ``rag eval --json`` on a tiny corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from handlers.cli.main import app
from tests.conftest import ROOT

DATA = Path(__file__).parent / "data"
PYDOCS = ROOT / "eval" / "pydocs"


def run_eval(*args: str) -> dict[str, Any]:
    """``rag eval --json ARGS`` in process; the parsed report."""
    result = CliRunner().invoke(app, ["eval", *args, "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@pytest.fixture(scope="session")
def tiny_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """The report on the tiny hand-written corpus, and a file holding it."""
    tmp = tmp_path_factory.mktemp("tiny-eval")
    report = run_eval(
        str(DATA / "corpus.jsonl"),
        str(DATA / "questions.jsonl"),
        "--embed-cache",
        str(tmp / "cache.sqlite"),
    )
    path = tmp / "report.json"
    path.write_text(json.dumps(report))
    return report, path
