"""The ``rag`` command line, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handlers.cli.main import app
from tests.conftest import ROOT, SAMPLES

RAG = Path(sys.executable).parent / "rag"


def test_console_script_ingests_and_answers_with_citations(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data")}
    pdf = SAMPLES / "field-station-handbook.pdf"
    ingest = subprocess.run(
        [RAG, "ingest", str(pdf), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert ingest.returncode == 0, ingest.stderr
    [doc] = json.loads(ingest.stdout)
    assert (doc["status"], doc["pages"], doc["owner"]) == ("INDEXED", 7, "local")
    ask = subprocess.run(
        [RAG, "ask", "What is the emergency radio channel?", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert ask.returncode == 0, ask.stderr
    result = json.loads(ask.stdout)
    assert "VHF channel 16" in result["answer"]
    assert (result["sources"][0]["filename"], result["sources"][0]["page"]) == (
        "field-station-handbook.pdf",
        5,
    )


def run(runner: CliRunner, data: Path, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_docs_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "faq.txt").write_bytes((SAMPLES / "visitor-faq.txt").read_bytes())
    (folder / ".hidden.txt").write_text("skip me")
    [doc] = json.loads(run(runner, data, "ingest", str(folder), "--user", "ann", "--json"))
    assert doc["filename"] == "faq.txt" and doc["status"] == "INDEXED"
    listed = json.loads(run(runner, data, "docs", "list", "--user", "ann", "--json"))
    assert [d["doc_id"] for d in listed] == [doc["doc_id"]]
    assert json.loads(run(runner, data, "docs", "list", "--user", "bo", "--json")) == []
    [again] = json.loads(
        run(runner, data, "docs", "reindex", doc["doc_id"], "--user", "ann", "--json")
    )
    assert (again["version"], again["status"], again["chunks"]) == (2, "INDEXED", doc["chunks"])
    refused = runner.invoke(
        app, ["--data-dir", str(data), "docs", "delete", doc["doc_id"], "--user", "bo"]
    )
    assert refused.exit_code == 2 and "not found" in refused.output
    run(runner, data, "docs", "delete", doc["doc_id"], "--user", "ann")
    assert json.loads(run(runner, data, "docs", "list", "--user", "ann", "--json")) == []


def test_ingest_reports_failures_with_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "d"), "ingest", str(bad), "--json"]
    )
    assert result.exit_code == 1
    [doc] = json.loads(result.stdout)
    assert doc["status"] == "FAILED" and "PDF" in doc["error"]


def test_empty_question_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ask", "  "])
    assert result.exit_code == 2 and "empty" in result.output


def test_readme_names_exactly_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_ingest_skips_refused_files_and_indexes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_MAX_UPLOAD_BYTES", "200")
    (tmp_path / "small.txt").write_text("Tea is served at four.\n")
    (tmp_path / "big.txt").write_text("word " * 100)
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "d"), "ingest", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.stderr and "big.txt" in result.stderr
    [doc] = json.loads(result.stdout)
    assert doc["filename"] == "small.txt" and doc["status"] == "INDEXED"
