"""Per-person daily usage for administrators: questions, documents indexed, failures, LLM tokens
and estimated cost. ``UsageRecorder`` turns the telemetry records into daily counters in a
``UsageStore`` (SQLite locally, DynamoDB on AWS); ``usage_report`` reads them back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from service.models import DayUsage, PersonUsage, UsageFigures, UsageReport
from service.telemetry import AnswerOutcome, IngestRecord, QuestionRecord

Today = Callable[[], date]


def figures(**counts: float) -> UsageFigures:
    """Usage figures: ``counts`` and zeros for the rest."""
    zeros: dict[str, float] = dict.fromkeys(UsageFigures.model_fields, 0)
    return UsageFigures(**{**zeros, **counts})


def utc_today() -> date:
    """Today in UTC (usage days are UTC days everywhere)."""
    return datetime.now(UTC).date()


class UsageStore(Protocol):
    """Daily counters per person."""

    def add(self, day: date, person: str, figures: UsageFigures) -> None:
        """Add ``figures`` to ``person``'s counters of ``day`` (atomically)."""
        ...

    def read(self, first: date, last: date) -> list[tuple[date, str, UsageFigures]]:
        """Every (day, person, figures) from ``first`` to ``last`` inclusive."""
        ...


class UsageRecorder:
    """A ``Recorder`` that counts per person and day."""

    def __init__(self, store: UsageStore, today: Today = utc_today) -> None:
        self._store = store
        self._today = today

    def question(self, record: QuestionRecord) -> None:
        """One question, its tokens and cost; a failed answer is a failure too."""
        counts = figures(
            questions=1,
            failures=int(record.outcome is AnswerOutcome.ERROR),
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            cost_usd=record.cost_usd,
        )
        self._store.add(self._today(), record.owner, counts)

    def ingestion(self, record: IngestRecord) -> None:
        """A document indexed or failed (skipped and retried jobs count once they end)."""
        if record.outcome in ("indexed", "failed"):
            indexed = record.outcome == "indexed"
            counts = figures(documents=int(indexed), failures=int(not indexed))
            self._store.add(self._today(), record.owner, counts)


def _plus(a: UsageFigures, b: UsageFigures) -> dict[str, float | int]:
    return {name: getattr(a, name) + getattr(b, name) for name in UsageFigures.model_fields}


def usage_report(store: UsageStore, days: int, today: date | None = None) -> UsageReport:
    """The last ``days`` days (today included) per person and per day."""
    last = today or utc_today()
    first = last - timedelta(days=days - 1)
    people: dict[str, UsageFigures] = {}
    daily = {first + timedelta(days=i): figures() for i in range(days)}
    total = figures()
    for day, person, counts in store.read(first, last):
        people[person] = UsageFigures(**_plus(people.get(person, figures()), counts))
        daily[day] = UsageFigures(**_plus(daily[day], counts))
        total = UsageFigures(**_plus(total, counts))
    ranked = sorted(people.items(), key=lambda kv: (-kv[1].cost_usd, -kv[1].questions, kv[0]))
    return UsageReport(
        days=days,
        since=first.isoformat(),
        until=last.isoformat(),
        people=[PersonUsage(user_id=p, **f.model_dump()) for p, f in ranked],
        daily=[DayUsage(day=d.isoformat(), **f.model_dump()) for d, f in sorted(daily.items())],
        total=total,
    )
