"""Isolation between users, and deletion that leaves nothing to retrieve or cite."""

from __future__ import annotations

import pytest

from service.errors import NotFound
from service.models import DocumentStatus, SourcesEvent, TokenEvent
from service.ports import Principal
from service.retrieval import HybridRetriever, RetrievalMode
from service.wiring import Services
from tests.conftest import ALICE, BOB, BOB_SECRET, ingest

BOB_QUESTIONS = [
    BOB_SECRET,
    "Who is Captain Zebedee Marlowe?",
    "What is the vault code?",
    "7431",
    "What does Bob say about the radio channel?",
    "Bob's private note",
]


def bob_doc_id(corpus: Services) -> str:
    return corpus.documents.list(BOB).items[0].doc_id


@pytest.mark.parametrize("mode", list(RetrievalMode))
@pytest.mark.parametrize("question", BOB_QUESTIONS)
def test_other_users_text_is_never_retrieved(
    corpus: Services, question: str, mode: RetrievalMode
) -> None:
    retriever = HybridRetriever(
        corpus.store,
        corpus.embed_model,
        owner="alice",
        top_k=500,
        candidates=500,
        weights=corpus.settings.fusion,
        mode=mode,
    )
    hits = retriever.search(question)
    if mode is not RetrievalMode.TEXT:  # vectors always find alice's nearest chunks
        assert hits, "alice's own documents should still match something"
    assert {h.owner for h in hits} <= {"alice"}
    assert bob_doc_id(corpus) not in {h.doc_id for h in hits}


@pytest.mark.parametrize("question", BOB_QUESTIONS)
def test_other_users_text_is_never_cited(corpus: Services, question: str) -> None:
    events = list(corpus.chat.ask("alice", question))
    text = "".join(e.text for e in events if isinstance(e, TokenEvent))
    sources = [s for e in events if isinstance(e, SourcesEvent) for s in e.sources]
    assert "Zebedee" not in text and "7431" not in text and "channel 99" not in text
    assert bob_doc_id(corpus) not in {s.doc_id for s in sources}


def test_scoping_to_another_users_document_returns_nothing(corpus: Services) -> None:
    retriever = corpus.chat.retriever("alice", doc_ids=[bob_doc_id(corpus)])
    assert retriever.search("Captain Zebedee Marlowe vault code") == []


def test_users_cannot_see_or_change_each_others_documents(corpus: Services) -> None:
    doc_id = bob_doc_id(corpus)
    assert [d.owner for d in corpus.documents.list(ALICE, all_users=True).items] == ["alice"] * 5
    for action in (corpus.documents.get, corpus.documents.delete, corpus.documents.reindex):
        with pytest.raises(NotFound):
            action(ALICE, doc_id)
    admin = Principal("root", is_admin=True)
    assert corpus.documents.get(admin, doc_id).owner == "bob"
    owners = {d.owner for d in corpus.documents.list(admin, all_users=True).items}
    assert owners == {"alice", "bob"}


def test_after_delete_nothing_of_the_document_remains(services: Services) -> None:
    secret = "The quokka sanctuary password is periwinkle-42 and only Ada knows it."
    doc_id = ingest(services, "ada", "secret.txt", secret.encode())
    keep_id = ingest(services, "ada", "other.txt", b"The lighthouse keeper logs the weather.")
    doc = services.registry.get(doc_id)
    assert doc is not None and doc.status is DocumentStatus.INDEXED
    ada = Principal("ada")
    services.documents.delete(ada, doc_id)
    assert services.registry.get(doc_id) is None
    assert not services.blobs.exists(doc.blob_key)
    assert services.store.count(doc_id=doc_id) == 0
    for mode in RetrievalMode:
        hits = services.chat.retriever("ada", mode=mode, top_k=50).search(
            "quokka sanctuary password periwinkle"
        )
        assert doc_id not in {h.doc_id for h in hits}
    events = list(services.chat.ask("ada", "What is the quokka sanctuary password?"))
    text = "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert "periwinkle" not in text
    cited = {s.doc_id for e in events if isinstance(e, SourcesEvent) for s in e.sources}
    assert doc_id not in cited
    assert services.store.count(doc_id=keep_id) > 0
    with pytest.raises(NotFound):
        services.documents.get(ada, doc_id)
