"""What the service measures, as one small port: ``Recorder`` receives one record per answered
question and per ingestion job. Adapters turn the records into Prometheus metrics (local
server), CloudWatch embedded metrics (Lambda) and per-person daily usage (SQLite or DynamoDB);
``FanOut`` feeds several. Light to import: no LlamaIndex, no LanceDB, no client libraries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

log = logging.getLogger(__name__)


class AnswerOutcome(StrEnum):
    """How a question ended."""

    ANSWERED = "answered"
    NOT_FOUND = "not_found"  # the abstention gate: nothing relevant in the person's documents
    ERROR = "error"
    CANCELLED = "cancelled"


@dataclass
class TokenUsage:
    """Tokens a model reported for one answer (condensing and answering), filled in while the
    answer streams."""

    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, reported: dict[str, Any]) -> None:
        """Add one model call's counts, as LlamaIndex reports them in ``additional_kwargs``
        (``prompt_tokens``, ``completion_tokens``); a call that reports none adds nothing."""
        self.input_tokens += int(reported.get("prompt_tokens") or 0)
        self.output_tokens += int(reported.get("completion_tokens") or 0)


@dataclass(frozen=True)
class QuestionRecord:
    """One question, from the edge's point of view."""

    owner: str
    outcome: AnswerOutcome
    answer_s: float  # question received -> last event
    retrieval_s: float | None = None  # None: retrieval never ran (refused, cancelled early)
    first_token_s: float | None = None  # None: no token was sent
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class IngestRecord:
    """One ingestion job's end."""

    owner: str
    outcome: str  # service.ingestion.Outcome's values, or "retry" when it raised to be retried
    seconds: float


class Recorder(Protocol):
    """Receives what happened; never raises into the request it measures."""

    def question(self, record: QuestionRecord) -> None:
        """One question ended."""
        ...

    def ingestion(self, record: IngestRecord) -> None:
        """One ingestion job ended."""
        ...


class NullRecorder:
    """Records nothing (tests, notebooks)."""

    def question(self, record: QuestionRecord) -> None:
        """Ignore."""

    def ingestion(self, record: IngestRecord) -> None:
        """Ignore."""


@dataclass(frozen=True)
class FanOut:
    """Feeds every recorder; one that fails is logged and the others still record, because a
    metrics backend must never fail an answer or an ingestion job."""

    recorders: Sequence[Recorder] = field(default_factory=tuple)

    def question(self, record: QuestionRecord) -> None:
        """Pass on to each."""
        for recorder in self.recorders:
            try:
                recorder.question(record)
            except Exception:  # the measurement boundary: see the class docstring
                log.exception("recording a question failed (%s)", type(recorder).__name__)

    def ingestion(self, record: IngestRecord) -> None:
        """Pass on to each."""
        for recorder in self.recorders:
            try:
                recorder.ingestion(record)
            except Exception:  # the measurement boundary: see the class docstring
                log.exception("recording an ingestion failed (%s)", type(recorder).__name__)
