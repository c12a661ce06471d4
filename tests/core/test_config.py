"""Settings and import hygiene."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.config import Settings, env_name


def test_settings_read_rag_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RAG_ADMINS", "root, ops ,")
    monkeypatch.setenv("RAG_TOP_K", "9")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.admins == frozenset({"root", "ops"})
    assert settings.top_k == 9
    assert settings.resolved_lancedb_uri == str(tmp_path / "lancedb")


def test_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.mode.value == "local"
    assert settings.max_upload_bytes == 50 * 1024 * 1024
    assert env_name("data_dir") == "RAG_DATA_DIR"
    with pytest.raises(KeyError):
        env_name("no_such_setting")


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="CHUNK_OVERLAP"):
        Settings(chunk_size=64, chunk_overlap=64)
    with pytest.raises(ValidationError):
        Settings(top_k=0)


def test_imports_have_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import sys, os\n"
        "import service.config\n"
        "assert 'lancedb' not in sys.modules and 'llama_index' not in sys.modules, 'heavy'\n"
        "import service.wiring, service.chat, service.ingestion, handlers.cli.main\n"
        "assert os.listdir('.') == [], os.listdir('.')\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(Path.cwd())}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_object_storage_gets_the_vector_index_earlier(tmp_path: Path) -> None:
    # issue 17: on S3 the ANN index keeps a question from reading the owner's vectors
    local = Settings(data_dir=tmp_path, lancedb_uri=None).maintenance
    s3 = Settings(data_dir=tmp_path, lancedb_uri="s3://bucket/lancedb")
    assert local.vector_index_min_rows == Settings().vector_index_min_rows
    assert s3.maintenance.vector_index_min_rows == s3.vector_index_min_rows_object_store
    assert s3.vector_index_min_rows_object_store < s3.vector_index_min_rows
