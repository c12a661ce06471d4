"""Contract of the ConversationStore port (SQLite and DynamoDB on moto): turns numbered in
order, everything scoped to its owner, pagination, feedback export, retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from service.errors import BadRequest, NotFound
from service.models import Feedback, Rating, Source, Turn, TurnSettings
from service.ports import ConversationStore

NOW = datetime.now(UTC)
SETTINGS = TurnSettings(
    llm_provider="extractive",
    llm_model="extractive",
    embed_provider="minilm",
    retrieval_mode="hybrid",
    reranker="none",
    top_k=6,
    doc_ids=["d1"],
)


def new_id() -> str:
    return uuid.uuid4().hex


def turn(question: str, *, at: datetime = NOW, cancelled: bool = False) -> Turn:
    source = Source(n=1, doc_id="d1", filename="a.pdf", page=3, snippet="Atlas", score=0.8125)
    return Turn(
        question=question,
        answer=f"answer to {question} [1]",
        sources=[source],
        cancelled=cancelled,
        settings=SETTINGS,
        created_at=at,
    )


def test_turns_are_numbered_and_read_back_in_order(conversations: ConversationStore) -> None:
    cid = new_id()
    first = conversations.append("alice", cid, turn("Who leads Atlas?"), title="Who leads Atlas?")
    second = conversations.append("alice", cid, turn("And why?", cancelled=True), title="ignored")
    assert (first.n, second.n) == (0, 1)
    got = conversations.get("alice", cid)
    assert got is not None
    assert (got.conversation_id, got.owner, got.title, got.turn_count) == (
        cid,
        "alice",
        "Who leads Atlas?",
        2,
    )
    assert [t.question for t in got.turns] == ["Who leads Atlas?", "And why?"]
    assert got.turns[0] == first and got.turns[1].cancelled
    assert got.turns[0].sources[0].score == 0.8125 and got.turns[0].settings == SETTINGS


def test_another_owner_finds_nothing(conversations: ConversationStore) -> None:
    cid = new_id()
    conversations.append("alice", cid, turn("secret plans"), title="secret plans")
    assert conversations.get("bob", cid) is None
    assert conversations.list("bob", cursor=None, limit=10).items == []
    with pytest.raises(NotFound):
        conversations.rename("bob", cid, "mine now")
    with pytest.raises(NotFound):
        conversations.set_feedback("bob", cid, 0, Feedback(rating=Rating.UP, at=NOW))
    assert conversations.delete("bob", cid) is False
    assert conversations.delete_all("bob") == 0
    got = conversations.get("alice", cid)
    assert got is not None and got.title == "secret plans" and got.turns[0].feedback is None


def test_an_id_that_prefixes_another_is_a_different_conversation(
    conversations: ConversationStore,
) -> None:
    cid = new_id()
    conversations.append("alice", cid, turn("q"), title="q")
    assert conversations.get("alice", cid[:8]) is None
    assert conversations.delete("alice", cid[:8]) is False
    assert conversations.get("alice", cid) is not None


def test_listing_is_newest_updated_first_with_cursor(conversations: ConversationStore) -> None:
    ids = [new_id() for _ in range(5)]
    for i, cid in enumerate(ids):
        conversations.append(
            "alice", cid, turn(f"q{i}", at=NOW - timedelta(minutes=10 - i)), title=f"t{i}"
        )
    conversations.append("alice", ids[0], turn("again", at=NOW), title="x")  # now the newest
    conversations.append("bob", new_id(), turn("bob's"), title="bob's")
    seen, cursor = [], None
    while True:
        page = conversations.list("alice", cursor=cursor, limit=2)
        assert len(page.items) <= 2
        seen += [c.conversation_id for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [ids[0], ids[4], ids[3], ids[2], ids[1]]
    with pytest.raises(BadRequest):
        conversations.list("alice", cursor="not a cursor!", limit=2)


def test_rename_and_delete(conversations: ConversationStore) -> None:
    keep, drop = new_id(), new_id()
    conversations.append("alice", keep, turn("q"), title="q")
    conversations.append("alice", drop, turn("q2"), title="q2")
    renamed = conversations.rename("alice", keep, "Atlas notes")
    assert renamed.title == "Atlas notes" and renamed.turn_count == 1
    assert conversations.delete("alice", drop) is True
    assert conversations.get("alice", drop) is None
    assert conversations.delete("alice", drop) is False
    assert [c.title for c in conversations.list("alice", cursor=None, limit=10).items] == [
        "Atlas notes"
    ]


def test_delete_all_removes_only_the_owners(conversations: ConversationStore) -> None:
    for _ in range(3):
        conversations.append("alice", new_id(), turn("q"), title="q")
    bobs = new_id()
    conversations.append("bob", bobs, turn("q"), title="q")
    assert conversations.delete_all("alice") == 3
    assert conversations.list("alice", cursor=None, limit=10).items == []
    assert conversations.get("bob", bobs) is not None


def test_feedback_is_stored_and_exported_since(conversations: ConversationStore) -> None:
    cid, other = new_id(), new_id()
    conversations.append("alice", cid, turn("q0"), title="q0")
    conversations.append("alice", cid, turn("q1"), title="q0")
    conversations.append("bob", other, turn("b0"), title="b0")
    early = Feedback(rating=Rating.DOWN, comment="wrong page", at=NOW - timedelta(days=2))
    conversations.set_feedback("alice", cid, 1, early)
    conversations.set_feedback("bob", other, 0, Feedback(rating=Rating.UP, at=NOW))
    got = conversations.get("alice", cid)
    assert got is not None and got.turns[1].feedback == early and got.turns[0].feedback is None
    with pytest.raises(NotFound):
        conversations.set_feedback("alice", cid, 7, early)
    everything = list(conversations.feedback_since(NOW - timedelta(days=30)))
    assert [(r.owner, r.n, r.rating) for r in everything] == [
        ("alice", 1, Rating.DOWN),
        ("bob", 0, Rating.UP),
    ]
    first = everything[0]
    assert (first.question, first.comment, first.conversation_id) == ("q1", "wrong page", cid)
    assert first.sources[0].page == 3 and first.settings.doc_ids == ["d1"]
    assert [r.owner for r in conversations.feedback_since(NOW - timedelta(days=1))] == ["bob"]
    conversations.set_feedback("bob", other, 0, None)  # a rating can be taken back
    assert list(conversations.feedback_since(NOW - timedelta(days=1))) == []


def test_retention_hides_expired_items(conversations: ConversationStore) -> None:
    old, resumed = new_id(), new_id()
    long_ago = NOW - timedelta(days=91)
    conversations.append("alice", old, turn("ancient", at=long_ago), title="ancient")
    conversations.append("alice", resumed, turn("old turn", at=long_ago), title="old")
    conversations.append("alice", resumed, turn("new turn"), title="old")
    with pytest.raises(NotFound):  # an expired turn can no longer be rated
        conversations.set_feedback("alice", resumed, 0, Feedback(rating=Rating.UP, at=NOW))
    assert conversations.get("alice", old) is None
    got = conversations.get("alice", resumed)
    assert got is not None and [t.question for t in got.turns] == ["new turn"]
    listed = conversations.list("alice", cursor=None, limit=10).items
    assert [c.conversation_id for c in listed] == [resumed]
    assert list(conversations.feedback_since(NOW - timedelta(days=365))) == []
    conversations.purge(NOW)  # physically removes them locally; TTL does it on AWS
    assert conversations.get("alice", old) is None


def test_sqlite_purge_deletes_expired_rows(sqlite_conversations: object) -> None:
    from service.adapters.sqlite_conversations import SqliteConversations

    assert isinstance(sqlite_conversations, SqliteConversations)
    store = sqlite_conversations
    old, live = new_id(), new_id()
    store.append("alice", old, turn("ancient", at=NOW - timedelta(days=91)), title="a")
    store.append("alice", live, turn("old", at=NOW - timedelta(days=91)), title="b")
    store.append("alice", live, turn("new"), title="b")
    assert store.purge(NOW) == 3  # two expired turns and one expired conversation
    rows = store._db.query("SELECT conversation_id, n FROM turns")
    assert [(r["conversation_id"], r["n"]) for r in rows] == [(live, 1)]
    assert store.purge(NOW) == 0
