"""notebooks/llamaindex_engines.ipynb runs top to bottom against the sample corpus, and shows
alice's documents only."""

from __future__ import annotations

import nbformat
import pytest

from service.wiring import Services
from tests.eval.test_notebooks import NOTEBOOKS, execute, outputs_text

NAME = "llamaindex_engines.ipynb"


def test_the_engines_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOKS / NAME, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_the_engines_notebook_queries_and_chats_over_one_owners_documents(
    corpus: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_DATA_DIR", str(corpus.settings.data_dir))
    monkeypatch.setenv("RAG_NOTEBOOK_USER", "alice")
    text = outputs_text(execute(NAME))
    assert "RetrieverQueryEngine ->" in text and "ExtractiveChatEngine" in text
    assert "field-station-handbook.pdf" in text and "VHF channel 16" in text
    assert "bob-secret" not in text and "Zebedee" not in text  # another owner's note never shows
