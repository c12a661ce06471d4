"""Keyword scoring is per owner: another person's documents change nothing in one person's
results, scores, ranks or extractive answers (the BM25 side channel of issue 13)."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.schema import TextNode

from service.lance_table import chunk_id, connect, open_table
from service.maintenance import run_maintenance
from service.retrieval import RetrievalMode
from service.vectors import ChunkStore
from service.wiring import Services
from tests.conftest import ingest

ALICE_DOCS = {
    "garden.txt": (
        "The greenhouse keeps tomatoes warm through the winter. Tomatoes need watering twice "
        "a week. The compost heap feeds the greenhouse beds. Basil grows well beside tomatoes."
    ),
    "radio.txt": (
        "The field station radio runs on channel 12. The radio battery is charged by a solar "
        "panel. Station staff check the antenna every morning before the weather report."
    ),
    "kitchen.txt": (
        "The kitchen bakes bread every morning. Sourdough needs a starter fed daily. The oven "
        "reaches its full heat after twenty minutes; bread bakes for forty minutes."
    ),
}
QUESTIONS = [
    "How often do tomatoes need watering?",
    "Which channel does the station radio use?",
    "When does the kitchen bake bread?",
    "greenhouse radio bread morning",
]
# Bob's upload is built to move every global statistic: the words of Alice's questions, many
# times, in many chunks of very different lengths.
BOB_TEXT = "\n\n".join(
    f"Note {i}. "
    + " ".join(["tomatoes radio channel bread morning watering station"] * (1 + i % 7))
    for i in range(60)
)


def fold(svc: Services) -> None:
    """What scheduled maintenance does: fold new rows into the full-text index (whose global
    statistics are what leaked)."""
    run_maintenance(svc.store, retention_s=3600)


def snapshot(svc: Services, owner: str) -> dict[str, Any]:
    """Everything a person can observe of keyword scoring: hits, scores, ranks, answers."""
    seen: dict[str, Any] = {}
    for question in QUESTIONS:
        for mode in (RetrievalMode.TEXT, RetrievalMode.HYBRID):
            hits = svc.chat.retriever(owner, mode=mode).search(question)
            seen[f"{mode}:{question}"] = [(h.id, round(h.score, 9)) for h in hits]
        events = svc.chat.ask(owner, question, request_id="r")
        seen[f"answer:{question}"] = [e.model_dump_json() for e in events]
    return seen


def test_another_persons_upload_changes_nothing(make_services: Callable[..., Services]) -> None:
    svc = make_services()
    for name, text in ALICE_DOCS.items():
        ingest(svc, "alice", name, text.encode())
    fold(svc)
    before = snapshot(svc, "alice")
    assert any(before[f"text:{q}"] for q in QUESTIONS)  # the keyword path found something
    ingest(svc, "bob", "bob-notes.txt", BOB_TEXT.encode())
    ingest(svc, "bob", "bob-short.txt", b"tomatoes")
    fold(svc)
    assert svc.chat.retriever("bob", mode=RetrievalMode.TEXT).search("tomatoes")
    after = snapshot(svc, "alice")
    for key, value in before.items():
        assert after[key] == value, key


@pytest.mark.parametrize("extra_alice", [0, 1])
def test_own_documents_still_change_own_scores(
    make_services: Callable[..., Services], extra_alice: int
) -> None:
    """The statistics are the owner's: their own uploads do move their scores."""
    svc = make_services()
    ingest(svc, "alice", "garden.txt", ALICE_DOCS["garden.txt"].encode())
    retriever = svc.chat.retriever("alice", mode=RetrievalMode.TEXT)
    before = [h.score for h in retriever.search("tomatoes greenhouse")]
    ingest(svc, "alice", "more.txt", b"tomatoes " * (3 + extra_alice))
    after = {h.doc_id: h.score for h in retriever.search("tomatoes greenhouse")}
    assert len(after) == 2 and before[0] not in after.values()


def _nodes(owner: str, doc: str, texts: list[str], dim: int) -> list[TextNode]:
    rng = random.Random(f"{owner}/{doc}")
    return [
        TextNode(
            id_=chunk_id(doc, i),
            text=text,
            embedding=[rng.uniform(-1, 1) for _ in range(dim)],
            metadata={"doc_id": doc, "owner": owner, "filename": doc, "chunk_index": i},
        )
        for i, text in enumerate(texts)
    ]


def check_store_isolation(store: ChunkStore) -> None:
    """On any LanceDB location: Bob's rows, folded into the index, change nothing of Alice's
    keyword results (shared with the S3 test in tests/aws)."""
    dim = store.dim
    for name, text in ALICE_DOCS.items():
        store.add(_nodes("alice", name, text.split(". "), dim))
    store.table.optimize()

    def seen() -> list[Any]:
        return [
            [(h.id, h.score) for h in store.search_text(q, owner="alice", k=10)] for q in QUESTIONS
        ]

    before = seen()
    assert any(before)
    store.add(_nodes("bob", "bob-notes", BOB_TEXT.split("\n\n"), dim))
    store.table.optimize()
    assert store.search_text("tomatoes", owner="bob", k=3)
    assert seen() == before


def test_store_level_isolation_on_a_local_path(tmp_path: Path) -> None:
    store = ChunkStore(open_table(connect(str(tmp_path)), "chunks", model_id="t", dim=8))
    check_store_isolation(store)


# The analyzer and the BM25 of service.keywords mirror the full-text index's: with one owner
# in the table the two must agree (an upgrade of LanceDB that changes its FTS defaults fails here).
MIXED_TEXTS = [
    *ALICE_DOCS.values(),
    "Café crème, déjà vu: a naïve résumé of the CAFÉ's menu_items and snake_case_names.",
    "Running runs ran; the runner's things were theirs. It is what it is, and that was that.",
    "x" * 45 + " supercalifragilisticexpialidocious antidisestablishmentarianism 3.11 v2 2024",
    "Tomatoes, tomatoes, TOMATOES! Watering the greenhouse: watered, waters, watery.",
]
AGREEMENT_QUERIES = [
    "tomatoes greenhouse watering",
    "cafe CAFÉ resume menu items",
    "running runner things",
    "radio radio channel",
    "snake case names 3.11 v2",
    "supercalifragilisticexpialidocious",
    "it is what it is",  # only stop words: nothing
    "were theirs things things",  # a repeated query term counts twice, as in the index
]


def _one_owner_store(tmp_path: Path) -> ChunkStore:
    store = ChunkStore(open_table(connect(str(tmp_path)), "chunks", model_id="t", dim=8))
    store.add(_nodes("alice", "mixed", MIXED_TEXTS, store.dim))
    store.table.optimize()  # every row in the full-text index
    return store


def test_scores_agree_with_the_index_when_one_owner_has_every_row(tmp_path: Path) -> None:
    from lancedb.query import MatchQuery

    store = _one_owner_store(tmp_path)
    for query in AGREEMENT_QUERIES:
        ours = {h.id: h.score for h in store.search_text(query, owner="alice", k=50)}
        theirs = {
            row["id"]: row["_score"]
            for row in store.table.search(MatchQuery(query, "text"), query_type="fts")
            .select(["id", "_score"])
            .limit(50)
            .to_list()
        }
        assert ours.keys() == theirs.keys(), query  # the same tokens: the same matching rows
        for chunk, score in theirs.items():
            assert ours[chunk] == pytest.approx(score, rel=1e-5), (query, chunk)  # float32


def test_a_reindexed_document_is_searched_with_its_new_text(tmp_path: Path) -> None:
    """Chunk ids stay the same across a re-index; the cached keyword index must not."""
    store = _one_owner_store(tmp_path)
    assert store.search_text("tomatoes", owner="alice", k=5)
    store.replace_document("mixed", _nodes("alice", "mixed", ["quokkas only", "and wombats"], 8))
    assert store.search_text("tomatoes", owner="alice", k=5) == []
    assert [h.id for h in store.search_text("wombats", owner="alice", k=5)] == [
        chunk_id("mixed", 1)
    ]


def test_other_peoples_writes_do_not_rebuild_a_readers_keyword_index(tmp_path: Path) -> None:
    store = _one_owner_store(tmp_path)
    where = store._where("alice", None)
    index = store._keyword_index.rows_index(store.table, where)
    store.add(_nodes("bob", "bob-notes", BOB_TEXT.split("\n\n"), store.dim))
    assert store._keyword_index.rows_index(store.table, where) is index
    store.add(_nodes("alice", "more", ["tomatoes again"], store.dim))
    assert store._keyword_index.rows_index(store.table, where) is not index


def test_the_keyword_cache_is_bounded_by_rows(tmp_path: Path) -> None:
    from service.keywords import KeywordIndex

    store = _one_owner_store(tmp_path)
    store.add(_nodes("bob", "bob-notes", MIXED_TEXTS, store.dim))
    cache = KeywordIndex(max_rows=len(MIXED_TEXTS))  # room for one reader's rows
    alice, bob = (store._where(o, None) for o in ("alice", "bob"))
    first = cache.rows_index(store.table, alice)
    assert cache.rows_index(store.table, alice) is first
    cache.rows_index(store.table, bob)  # least recently used (Alice's) goes
    assert cache.rows_index(store.table, alice) is not first
