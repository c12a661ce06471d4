"""Contract of the Registry port: conditional transitions and cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.errors import BadRequest, Conflict, NotFound
from service.models import Document, DocumentStatus
from service.ports import Registry

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_doc(doc_id: str, owner: str = "alice", minutes: int = 0) -> Document:
    created = T0 + timedelta(minutes=minutes)
    return Document(
        doc_id=doc_id,
        owner=owner,
        filename=f"{doc_id}.txt",
        blob_key=f"documents/{owner}/{doc_id}",
        status=DocumentStatus.UPLOADING,
        created_at=created,
        updated_at=created,
    )


def test_create_and_get_round_trip(registry: Registry) -> None:
    doc = make_doc("d1")
    registry.create(doc)
    assert registry.get("d1") == doc
    assert registry.get("nope") is None


def test_create_twice_conflicts(registry: Registry) -> None:
    registry.create(make_doc("d1"))
    with pytest.raises(Conflict):
        registry.create(make_doc("d1"))


def test_transition_checks_status_and_version(registry: Registry) -> None:
    registry.create(make_doc("d1"))
    queued = registry.transition(
        "d1",
        expect_status=[DocumentStatus.UPLOADING],
        expect_version=1,
        status=DocumentStatus.QUEUED,
        size=42,
    )
    assert (queued.status, queued.version, queued.size) == (DocumentStatus.QUEUED, 1, 42)
    with pytest.raises(Conflict):  # wrong status
        registry.transition(
            "d1",
            expect_status=[DocumentStatus.UPLOADING],
            expect_version=1,
            status=DocumentStatus.QUEUED,
        )
    with pytest.raises(Conflict):  # wrong version
        registry.transition(
            "d1",
            expect_status=[DocumentStatus.QUEUED],
            expect_version=2,
            status=DocumentStatus.PROCESSING,
        )
    assert registry.get("d1") == queued


def test_transition_bumps_version(registry: Registry) -> None:
    registry.create(make_doc("d1"))
    doc = registry.transition(
        "d1",
        expect_status=[DocumentStatus.UPLOADING],
        expect_version=1,
        status=DocumentStatus.QUEUED,
        bump_version=True,
    )
    assert doc.version == 2
    assert doc.updated_at >= doc.created_at


def test_transition_of_missing_document(registry: Registry) -> None:
    with pytest.raises(NotFound):
        registry.transition(
            "nope",
            expect_status=[DocumentStatus.UPLOADING],
            expect_version=1,
            status=DocumentStatus.QUEUED,
        )


def test_list_pages_newest_first_per_owner(registry: Registry) -> None:
    for i in range(7):
        registry.create(make_doc(f"a{i}", "alice", minutes=i))
    registry.create(make_doc("b0", "bob", minutes=3))
    seen: list[str] = []
    cursor = None
    while True:
        page = registry.list("alice", cursor=cursor, limit=3)
        seen += [d.doc_id for d in page.items]
        assert len(page.items) <= 3
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"a{i}" for i in reversed(range(7))]


def test_list_all_owners(registry: Registry) -> None:
    registry.create(make_doc("a0", "alice", minutes=1))
    registry.create(make_doc("b0", "bob", minutes=2))
    assert [d.doc_id for d in registry.list(None, cursor=None, limit=10).items] == ["b0", "a0"]


def test_bad_cursor_is_bad_request(registry: Registry) -> None:
    with pytest.raises(BadRequest):
        registry.list("alice", cursor="not-a-cursor!", limit=10)


def test_delete_is_idempotent(registry: Registry) -> None:
    registry.create(make_doc("d1"))
    registry.delete("d1")
    registry.delete("d1")
    assert registry.get("d1") is None


def test_ingestion_report_and_stored_key_round_trip(registry: Registry) -> None:
    from service.models import IngestReport

    registry.create(make_doc("d1"))
    report = IngestReport(
        pages=3, pages_without_text=[2], chunks=5, parse_s=0.25, embed_s=1.5, warnings=["w"]
    )
    queued = registry.transition(
        "d1",
        expect_status=[DocumentStatus.UPLOADING],
        expect_version=1,
        status=DocumentStatus.QUEUED,
        blob_key="stored/alice/d1/0a",
        report=report,
    )
    assert queued.report == report and queued.blob_key == "stored/alice/d1/0a"
    assert registry.get("d1") == queued
    cleared = registry.transition(
        "d1",
        expect_status=[DocumentStatus.QUEUED],
        expect_version=1,
        status=DocumentStatus.FAILED,
        report=None,
    )
    assert cleared.report is None and registry.get("d1") == cleared


# --- sharing with groups (issue 15) ------------------------------------------------------------


def test_share_replaces_groups_and_survives_transitions(registry: Registry) -> None:
    registry.create(make_doc("d1"))
    assert registry.get("d1").shared_with == []  # type: ignore[union-attr]
    shared = registry.share("d1", ["team-b", "team-a", "team-a"])
    assert shared.shared_with == ["team-a", "team-b"]
    assert registry.get("d1") == shared
    moved = registry.transition(
        "d1",
        expect_status=[DocumentStatus.UPLOADING],
        expect_version=1,
        status=DocumentStatus.QUEUED,
    )
    assert moved.shared_with == ["team-a", "team-b"]
    assert registry.share("d1", ["team-c"]).shared_with == ["team-c"]
    assert registry.shared_with_any(["team-a", "team-b"]) == []
    assert registry.shared_with_any(["team-c"]) == ["d1"]


def test_shared_with_any_finds_each_document_once(registry: Registry) -> None:
    for doc_id, owner in (("d1", "alice"), ("d2", "alice"), ("d3", "bob"), ("d4", "bob")):
        registry.create(make_doc(doc_id, owner))
    registry.share("d1", ["team-a", "team-b"])
    registry.share("d3", ["team-b"])
    registry.share("d4", ["team-c"])
    assert registry.shared_with_any(["team-a", "team-b"]) == ["d1", "d3"]
    assert registry.shared_with_any(["team-c", "nobody"]) == ["d4"]
    assert registry.shared_with_any([]) == []
    # share records never show up as documents in listings
    assert {d.doc_id for d in registry.list(None, cursor=None, limit=50).items} == {
        "d1",
        "d2",
        "d3",
        "d4",
    }
    assert [d.doc_id for d in registry.list("bob", cursor=None, limit=50).items] == ["d4", "d3"]


def test_unshare_and_delete_drop_the_shares(registry: Registry) -> None:
    registry.create(make_doc("d1"))
    registry.create(make_doc("d2"))
    registry.share("d1", ["team-a"])
    registry.share("d2", ["team-a"])
    registry.share("d1", [])
    assert registry.shared_with_any(["team-a"]) == ["d2"]
    registry.delete("d2")
    assert registry.shared_with_any(["team-a"]) == []
    assert registry.get("d2") is None


def test_share_of_missing_or_deleting_document(registry: Registry) -> None:
    with pytest.raises(NotFound):
        registry.share("nope", ["team-a"])
    registry.create(make_doc("d1"))
    registry.transition(
        "d1",
        expect_status=[DocumentStatus.UPLOADING],
        expect_version=1,
        status=DocumentStatus.DELETING,
    )
    with pytest.raises(Conflict):
        registry.share("d1", ["team-a"])
    assert registry.shared_with_any(["team-a"]) == []


def test_a_share_key_is_not_a_document(registry: Registry) -> None:
    registry.create(make_doc("d1"))
    registry.share("d1", ["team-a"])
    for probe in ("share#team-a#d1", "share#team-a", "team-a"):
        assert registry.get(probe) is None
