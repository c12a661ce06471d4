"""The notebooks run top to bottom on the .venv kernel against a temporary local index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from service.wiring import Services
from tests.conftest import ROOT, SAMPLES

NOTEBOOKS = ROOT / "notebooks"


def execute(name: str) -> Any:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    return nb


def outputs_text(nb: Any) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("name", ["explore_index.ipynb", "ingest_folder.ipynb"])
def test_notebooks_are_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_explore_notebook_opens_the_service_index(
    corpus: Services, tiny_report: tuple[dict[str, Any], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_DATA_DIR", str(corpus.settings.data_dir))
    monkeypatch.setenv("RAG_NOTEBOOK_USER", "alice")
    monkeypatch.setenv("RAG_NOTEBOOK_EVAL", str(tiny_report[1]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    text = outputs_text(execute("explore_index.ipynb"))
    assert "field-station-handbook.pdf" in text  # the documents table and the query hits
    assert "hybrid" in text and "vector" in text
    assert "bob-secret" not in text  # another user's document never shows


def test_ingest_notebook_indexes_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RAG_NOTEBOOK_FOLDER", str(SAMPLES))
    monkeypatch.setenv("RAG_NOTEBOOK_USER", "nina")
    text = outputs_text(execute("ingest_folder.ipynb"))
    assert f"{len(list(SAMPLES.iterdir()))} queued, 0 refused" in text
    assert "INDEXED" in text and "FAILED" not in text
    assert "Ingrid Solberg" in text
