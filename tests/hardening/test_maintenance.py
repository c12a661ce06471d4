"""Maintenance: after delete plus maintenance no file of the table still holds the text."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from handlers.cli.main import app
from service.maintenance import run_maintenance
from service.models import TokenEvent
from service.ports import Principal
from service.wiring import Services
from tests.conftest import ingest

SECRET = "zyxwquartzlemon"


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_deleted_text_leaves_the_disk_after_maintenance(services: Services) -> None:
    lance_dir = Path(services.settings.resolved_lancedb_uri)
    doc_id = ingest(services, "mia", "secret.txt", f"The password is {SECRET} today.".encode())
    ingest(services, "mia", "other.txt", b"The harbour opens at six in the morning.")
    run_maintenance(services.store, retention_s=3600)  # folds the rows into the FTS index
    assert files_containing(lance_dir, SECRET.encode())  # the check can see the text
    services.documents.delete(Principal("mia"), doc_id)
    assert files_containing(lance_dir, SECRET.encode())  # old versions still hold it
    report = run_maintenance(services.store, retention_s=0)
    assert report.versions_after < report.versions_before
    assert files_containing(lance_dir, SECRET.encode()) == []
    events = list(services.chat.ask("mia", "When does the harbour open?"))
    assert "six in the morning" in "".join(e.text for e in events if isinstance(e, TokenEvent))


def test_maintenance_keeps_versions_inside_the_retention_window(services: Services) -> None:
    ingest(services, "mia", "a.txt", b"first document about kelp")
    ingest(services, "mia", "b.txt", b"second document about urchins")
    report = run_maintenance(services.store, retention_s=3600)
    assert report.versions_after >= report.versions_before  # nothing old enough to remove
    assert services.store.count(owner="mia") == 2


def test_rag_maintain_command(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    note = tmp_path / "n.txt"
    note.write_text("A note about the lighthouse.")
    assert runner.invoke(app, ["--data-dir", str(data), "ingest", str(note)]).exit_code == 0
    result = runner.invoke(app, ["--data-dir", str(data), "maintain", "--retention-s", "0"])
    assert result.exit_code == 0, result.output
    assert "maintenance done" in result.output
