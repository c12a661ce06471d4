"""Contract of the Notifier port: an owner's status events reach that owner's open
connections, and no one else's."""

from __future__ import annotations

from typing import Any, Protocol

from service.models import DocumentEvent, DocumentStatus
from service.ports import Notifier

INDEXED = DocumentEvent(doc_id="d1", status=DocumentStatus.INDEXED)
FAILED = DocumentEvent(doc_id="d2", status=DocumentStatus.FAILED, error="not a PDF")


class Harness(Protocol):
    notifier: Notifier

    def connect(self, owner: str) -> str: ...
    def disconnect(self, connection: str) -> None: ...
    def received(self, connection: str) -> list[dict[str, Any]]: ...


def test_publish_reaches_every_connection_of_the_owner(notifier_harness: Harness) -> None:
    h = notifier_harness
    tabs = [h.connect("alice"), h.connect("alice")]
    h.notifier.publish("alice", INDEXED)
    for tab in tabs:
        assert h.received(tab) == [INDEXED.model_dump(mode="json")]


def test_other_owners_receive_nothing(notifier_harness: Harness) -> None:
    h = notifier_harness
    bob = h.connect("bob")
    alice = h.connect("alice")
    h.notifier.publish("alice", FAILED)
    assert h.received(bob) == []
    assert h.received(alice) == [FAILED.model_dump(mode="json")]


def test_events_arrive_in_order(notifier_harness: Harness) -> None:
    h = notifier_harness
    tab = h.connect("alice")
    h.notifier.publish("alice", INDEXED)
    h.notifier.publish("alice", FAILED)
    assert h.received(tab) == [INDEXED.model_dump(mode="json"), FAILED.model_dump(mode="json")]


def test_an_owner_without_connections_is_not_an_error(notifier_harness: Harness) -> None:
    notifier_harness.notifier.publish("nobody", INDEXED)


def test_a_closed_connection_receives_nothing_more(notifier_harness: Harness) -> None:
    h = notifier_harness
    tab = h.connect("alice")
    h.notifier.publish("alice", INDEXED)
    h.disconnect(tab)
    h.notifier.publish("alice", FAILED)
    assert h.received(tab) == [INDEXED.model_dump(mode="json")]
