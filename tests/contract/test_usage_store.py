"""The usage store contract (issue 16): SQLite and DynamoDB (moto) count alike, atomically per
day and person, and a report reads back exactly what was added."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.adapters.sqlite_db import SqliteDb
from service.adapters.sqlite_usage import SqliteUsageStore
from service.telemetry import AnswerOutcome, IngestRecord, QuestionRecord
from service.usage import UsageRecorder, UsageStore, figures, usage_report

TODAY = date(2026, 11, 29)


@pytest.fixture
def sqlite_usage(tmp_path: Path) -> UsageStore:
    return SqliteUsageStore(SqliteDb(tmp_path / "usage.sqlite3"))


@pytest.fixture
def dynamo_usage(aws: Callable[[str], Any]) -> UsageStore:
    from service.adapters.dynamo_schema import connections_table_definition
    from service.adapters.dynamo_usage import DynamoUsageStore

    dynamodb, table = aws("dynamodb"), f"conns-{uuid.uuid4().hex[:10]}"
    dynamodb.create_table(**connections_table_definition(table))
    return DynamoUsageStore(table, dynamodb)


@pytest.fixture(params=["sqlite_usage", "dynamo_usage"])
def store(request: pytest.FixtureRequest) -> UsageStore:
    found: UsageStore = request.getfixturevalue(request.param)
    return found


def test_counters_add_up_per_day_and_person(store: UsageStore) -> None:
    store.add(TODAY, "alice", figures(questions=1, input_tokens=100, cost_usd=0.0125))
    store.add(TODAY, "alice", figures(questions=1, output_tokens=7, cost_usd=0.0005))
    store.add(date(2026, 11, 28), "bob#2", figures(documents=3, failures=1))
    store.add(date(2026, 11, 1), "carol", figures(questions=9))  # outside 7 days
    report = usage_report(store, 7, TODAY)
    assert [p.user_id for p in report.people] == ["alice", "bob#2"]  # the costliest first
    alice, bob = report.people
    assert (alice.questions, alice.input_tokens, alice.output_tokens) == (2, 100, 7)
    assert alice.cost_usd == pytest.approx(0.013)
    assert (bob.documents, bob.failures, bob.questions) == (3, 1, 0)
    assert (report.daily[0].day, report.daily[-1].day) == ("2026-11-23", "2026-11-29")
    assert report.daily[-1].questions == 2 and report.daily[-2].documents == 3
    assert report.total.questions == 2 and report.total.documents == 3
    assert usage_report(store, 30, TODAY).total.questions == 11


def test_concurrent_adds_are_never_lost(store: UsageStore) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: store.add(TODAY, "dan", figures(questions=1)), range(40)))
    [dan] = usage_report(store, 1, TODAY).people
    assert dan.questions == 40


def test_the_recorder_counts_questions_documents_and_failures(store: UsageStore) -> None:
    recorder = UsageRecorder(store, today=lambda: TODAY)
    recorder.question(QuestionRecord("eve", AnswerOutcome.ANSWERED, 1.0, 0.1, 0.2, 10, 5, 0.02))
    recorder.question(QuestionRecord("eve", AnswerOutcome.ERROR, 0.5))
    recorder.question(QuestionRecord("eve", AnswerOutcome.NOT_FOUND, 0.3))
    for outcome in ("indexed", "failed", "skipped", "retry"):
        recorder.ingestion(IngestRecord("eve", outcome, 2.0))
    [eve] = usage_report(store, 1, TODAY).people
    assert (eve.questions, eve.documents, eve.failures) == (3, 1, 2)
    assert (eve.input_tokens, eve.output_tokens, eve.cost_usd) == (10, 5, pytest.approx(0.02))
