"""Isolation extended to groups (issue 15): a member of a group reads a document shared with it
in every retrieval mode, through the reranker, the engines and chat; a non-member never does,
even at k=500; unsharing, deleting and leaving the group take effect on the next question; a
hostile group name cannot widen anything; only the owner (or an admin) changes the document.
Each runs with the SQLite registry and with the DynamoDB registry (on moto)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from service import engines
from service.bulk import wait_for
from service.errors import BadRequest, Forbidden, NotFound
from service.maintenance import run_maintenance
from service.models import DocumentStatus, SourcesEvent
from service.ports import Principal
from service.retrieval import RetrievalMode
from service.wiring import Services
from tests.conftest import ingest

SECRET = (
    "Bob's team note. The Hallow Point supply boat docks at pier 31 on Thursdays. "
    "The quartermaster is Captain Zebedee Marlowe and the storeroom code is 7431."
)
QUESTION = "Who is the quartermaster and what is the storeroom code?"
ALICE_TEXT = "Alice keeps bees. The hives sit behind the greenhouse and give honey in August."
CAROL_TEXT = "Carol repairs bicycles. Chains need oil every two weeks."
GROUPS = "team-a:alice;team-b:carol,erin"
HOSTILE = [
    "team-b') OR (owner IS NOT NULL",
    "x' OR '1'='1",
    "team-b%",
    "*",
    "team-b\x00",
    "team-b OR true",
    "') OR doc_id LIKE '%",
]


def member(user: str, *groups: str) -> Principal:
    return Principal(user, groups=frozenset(groups))


CAROL = member("carol", "team-b")  # in the group the note is shared with
ALICE = member("alice", "team-a")  # in another group
DAVE = member("dave")  # in no group


REGISTRIES = ["sqlite", "dynamodb"]


def with_registry(
    kind: str, make: Callable[..., Services], aws: Callable[[str], Any], **settings: object
) -> Services:
    """Services whose registry is SQLite, or DynamoDB on moto (everything else local): the
    sharing rules hold on both registries' answers."""
    if kind == "sqlite":
        return make(**settings)
    from service import wiring
    from service.adapters.dynamo_registry import DynamoRegistry
    from service.adapters.dynamo_schema import registry_table_definition

    table = f"registry-{uuid.uuid4().hex[:10]}"
    aws("dynamodb").create_table(**registry_table_definition(table))
    local = wiring.build_storage
    with pytest.MonkeyPatch.context() as patch:  # only while these services are wired
        patch.setattr(
            wiring,
            "build_storage",
            lambda st: replace(local(st), registry=DynamoRegistry(table, aws("dynamodb"))),
        )
        svc = make(**settings)
    assert isinstance(svc.registry, DynamoRegistry)
    return svc


@pytest.fixture(scope="module", params=REGISTRIES)
def shared(
    request: pytest.FixtureRequest,
    make_services_module: Callable[..., Services],
    aws: Callable[[str], Any],
) -> tuple[Services, str]:
    """Bob's note shared with team-b; alice and carol each have a document of their own.
    Read-only for the tests that use it."""
    svc = with_registry(
        request.param, make_services_module, aws, local_groups=GROUPS, reranker="sentence"
    )
    doc_id = ingest(svc, "bob", "team-note.txt", SECRET.encode())
    ingest(svc, "alice", "bees.txt", ALICE_TEXT.encode())
    ingest(svc, "carol", "bikes.txt", CAROL_TEXT.encode())
    svc.documents.share(Principal("bob"), doc_id, ["team-b"])
    run_maintenance(svc.store, retention_s=3600)
    return svc, doc_id


def found(svc: Services, who: Principal, question: str, **kwargs: object) -> set[str]:
    """The doc_ids ``who`` retrieves at k=500 (every mode, reranked or not)."""
    docs: set[str] = set()
    for mode in RetrievalMode:
        for rerank in (True, False):
            retriever = svc.chat.retriever(
                who.user_id, mode=mode, top_k=500, rerank=rerank, groups=who.groups, **kwargs
            )
            docs |= {h.doc_id for h in retriever.search(question)}
    return docs


def cited(svc: Services, who: Principal, question: str, **kwargs: object) -> set[str]:
    events = svc.chat.ask(who.user_id, question, groups=who.groups, **kwargs)  # type: ignore[arg-type]
    return {s.doc_id for e in events if isinstance(e, SourcesEvent) for s in e.sources}


@pytest.mark.parametrize("mode", list(RetrievalMode))
def test_a_member_reads_the_shared_document_in_every_mode(
    shared: tuple[Services, str], mode: RetrievalMode
) -> None:
    svc, doc_id = shared
    for rerank in (True, False):
        retriever = svc.chat.retriever(
            "carol", mode=mode, rerank=rerank, groups=CAROL.groups, top_k=5
        )
        hits = retriever.search(QUESTION)
        assert hits and hits[0].doc_id == doc_id, (mode, rerank)
        assert {h.owner for h in hits} <= {"carol", "bob"}


def test_a_member_asks_cites_and_scopes_to_the_shared_document(
    shared: tuple[Services, str],
) -> None:
    svc, doc_id = shared
    assert doc_id in cited(svc, CAROL, QUESTION)
    assert cited(svc, CAROL, QUESTION, doc_ids=[doc_id]) == {doc_id}
    assert svc.documents.get(CAROL, doc_id).owner == "bob"


@pytest.mark.parametrize("who", [ALICE, DAVE, Principal("bob-friend", groups=frozenset())])
def test_a_non_member_never_reads_it_even_at_k_500(
    shared: tuple[Services, str], who: Principal
) -> None:
    svc, doc_id = shared
    for question in (QUESTION, SECRET, "7431", "Zebedee Marlowe pier 31"):
        assert doc_id not in found(svc, who, question)
        assert doc_id not in found(svc, who, question, doc_ids=[doc_id])
        assert doc_id not in cited(svc, who, question)
    with pytest.raises(NotFound):
        svc.documents.get(who, doc_id)


@pytest.mark.parametrize("group", HOSTILE)
def test_hostile_group_names_widen_nothing(shared: tuple[Services, str], group: str) -> None:
    svc, doc_id = shared
    who = Principal("mallory", groups=frozenset({group}))  # as if a token carried it
    assert found(svc, who, QUESTION) == set()
    assert svc.registry.shared_with_any([group]) == []
    with pytest.raises(BadRequest):
        svc.documents.share(Principal("bob"), doc_id, [group])
    assert svc.documents.get(Principal("bob"), doc_id).shared_with == ["team-b"]


def test_hostile_shared_ids_are_escaped_in_the_one_filter(shared: tuple[Services, str]) -> None:
    svc, doc_id = shared
    embedding = svc.embed_model.get_query_embedding(QUESTION)
    for evil in ["x') OR (owner = 'bob", "x' OR doc_id IS NOT NULL OR 'a'='a", "%"]:
        hits = svc.store.search_vector(embedding, owner="dave", k=500, shared=[evil])
        assert hits == []
        assert svc.store.search_text("storeroom code", owner="dave", k=500, shared=[evil]) == []
    # the same call with the real id does read it: the filter is what stops the others
    hits = svc.store.search_vector(embedding, owner="dave", k=500, shared=[doc_id])
    assert {h.doc_id for h in hits} == {doc_id}


@pytest.mark.parametrize("kind", ["query", "chat"])
def test_the_llamaindex_engines_read_shared_documents_for_members_only(
    shared: tuple[Services, str], kind: str
) -> None:
    svc, doc_id = shared
    for who, expected in ((CAROL, True), (ALICE, False)):
        if kind == "query":
            response = engines.query_engine(svc, who.user_id, groups=who.groups).query(QUESTION)
        else:
            response = engines.chat_engine(svc, who.user_id, groups=who.groups).chat(QUESTION)
        docs = {n.node.metadata["doc_id"] for n in response.source_nodes}
        assert (doc_id in docs) is expected, who


def test_listing_shows_shared_documents_apart(shared: tuple[Services, str]) -> None:
    svc, doc_id = shared
    own = svc.documents.list(CAROL)
    assert [d.filename for d in own.items] == ["bikes.txt"]
    shared_page = svc.documents.list(CAROL, shared=True)
    assert [(d.doc_id, d.owner) for d in shared_page.items] == [(doc_id, "bob")]
    assert svc.documents.list(ALICE, shared=True).items == []
    assert (
        svc.documents.list(Principal("bob", groups=frozenset({"team-b"})), shared=True).items == []
    )


def test_only_the_owner_or_an_admin_changes_a_shared_document(
    shared: tuple[Services, str],
) -> None:
    svc, doc_id = shared
    for action in (svc.documents.delete, svc.documents.reindex, svc.documents.restart_upload):
        with pytest.raises(Forbidden):
            action(CAROL, doc_id)  # shared with her: she may read, not change
        with pytest.raises(NotFound):
            action(ALICE, doc_id)  # not shared with her: it does not exist for her
    with pytest.raises(Forbidden):
        svc.documents.share(CAROL, doc_id, ["team-b", "team-a"])
    with pytest.raises(NotFound):
        svc.documents.share(ALICE, doc_id, ["team-a"])
    assert svc.documents.get(CAROL, doc_id).shared_with == ["team-b"]


@pytest.mark.parametrize("kind", REGISTRIES)
def test_unsharing_leaving_and_deleting_take_effect_on_the_next_question(
    make_services: Callable[..., Services], aws: Callable[[str], Any], kind: str
) -> None:
    svc = with_registry(kind, make_services, aws, local_groups=GROUPS)
    bob = Principal("bob")
    doc_id = ingest(svc, "bob", "team-note.txt", SECRET.encode())
    svc.documents.share(bob, doc_id, ["team-b"])
    erin = member("erin", "team-b")
    assert doc_id in found(svc, CAROL, QUESTION) and doc_id in found(svc, erin, QUESTION)
    # carol leaves team-b: her next question (a principal read afresh) no longer sees it
    assert doc_id not in found(svc, member("carol"), QUESTION)
    # unsharing: the next question of every member
    svc.documents.share(bob, doc_id, [])
    assert doc_id not in found(svc, erin, QUESTION) | cited(svc, erin, QUESTION)
    # shared again, then deleted by its owner: gone for everyone at once
    admin = Principal("root", is_admin=True)
    assert svc.documents.share(admin, doc_id, ["team-b"]).shared_with == ["team-b"]
    assert doc_id in found(svc, erin, QUESTION)
    svc.documents.delete(bob, doc_id)
    assert doc_id not in found(svc, erin, QUESTION) | found(svc, CAROL, QUESTION)
    assert svc.registry.shared_with_any(["team-b"]) == []


@pytest.mark.parametrize("kind", REGISTRIES)
def test_reindex_and_maintenance_keep_the_share(
    make_services: Callable[..., Services], aws: Callable[[str], Any], kind: str
) -> None:
    svc = with_registry(kind, make_services, aws)
    bob = Principal("bob")
    doc_id = ingest(svc, "bob", "team-note.txt", SECRET.encode())
    svc.documents.share(bob, doc_id, ["team-b"])
    doc = wait_for(svc, [svc.documents.reindex(bob, doc_id)])[0]
    assert (doc.status, doc.version, doc.shared_with) == (DocumentStatus.INDEXED, 2, ["team-b"])
    run_maintenance(svc.store, retention_s=3600)
    assert doc_id in found(svc, CAROL, QUESTION)
    assert doc_id not in found(svc, DAVE, QUESTION)


def test_local_groups_come_from_the_setting(make_services: Callable[..., Services]) -> None:
    from service.wiring import local_identity

    svc = make_services(local_groups=GROUPS)
    identity, _ = local_identity(svc.settings)
    assert identity.verify(identity.issue("carol")).groups == {"team-b"}
    assert identity.verify(identity.issue("dave")).groups == frozenset()


def test_the_readable_filter_is_fail_closed_and_escaped() -> None:
    from service import filters

    assert filters.readable("alice") == "owner = 'alice'"
    assert filters.readable("alice", ["d2", "d1", "d1"]) == (
        "(owner = 'alice') OR (doc_id IN ('d1', 'd2'))"
    )
    assert filters.readable("alice", ["x') OR (1=1"]) == (
        "(owner = 'alice') OR (doc_id IN ('x'') OR (1=1'))"
    )
    for owner in ("", None):
        with pytest.raises(ValueError):
            filters.readable(owner, ["d1"])  # type: ignore[arg-type]


def test_a_registry_made_before_sharing_opens_and_reads_as_shared_with_nobody(
    tmp_path: Path,
) -> None:
    """The SQLite migration: an old database (no shares table, records without shared_with)."""
    import sqlite3

    from service.adapters.sqlite_db import SqliteDb
    from service.adapters.sqlite_registry import SqliteRegistry
    from tests.contract.test_registry import make_doc

    path = tmp_path / "old.sqlite3"
    old = make_doc("d1").model_dump(mode="json")
    del old["shared_with"]
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE documents (doc_id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at "
            "TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
            ("d1", "alice", old["created_at"], "UPLOADING", 1, json.dumps(old)),
        )
    registry = SqliteRegistry(SqliteDb(path))
    doc = registry.get("d1")
    assert doc is not None and doc.shared_with == []
    assert registry.shared_with_any(["team-a"]) == []
    assert registry.share("d1", ["team-a"]).shared_with == ["team-a"]
    assert registry.shared_with_any(["team-a"]) == ["d1"]
