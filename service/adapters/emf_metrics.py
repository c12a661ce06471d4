"""CloudWatch metrics on Lambda: Powertools' embedded metric format (EMF). The records are added
to Powertools' shared metric set; the Lambda handler publishes it (one JSON log line) at the end
of the invocation, under its namespace and ``service`` dimension (``handlers/aws/metering.py``)."""

from __future__ import annotations

from typing import Any

from service.telemetry import AnswerOutcome, IngestRecord, QuestionRecord

# Metric names, shared with the CloudWatch dashboard and alarms (infra/observability.py).
NAMESPACE = "RagService"
QUESTIONS = "Questions"
NOT_FOUND = "QuestionsNotFound"
ANSWER_ERRORS = "AnswerErrors"
ANSWER_SECONDS = "AnswerSeconds"
FIRST_TOKEN_SECONDS = "TimeToFirstTokenSeconds"  # noqa: S105 - a metric name
RETRIEVAL_SECONDS = "RetrievalSeconds"
INPUT_TOKENS = "LlmInputTokens"
OUTPUT_TOKENS = "LlmOutputTokens"
COST_USD = "LlmEstimatedCostUSD"
INGESTION_SECONDS = "IngestionSeconds"


def ingestion_metric(outcome: str) -> str:
    """The count metric of one ingestion outcome, e.g. ``IngestionIndexed``."""
    return f"Ingestion{outcome.title()}"


class EmfRecorder:
    """A ``Recorder`` adding to Powertools ``Metrics`` (``metrics``: any object with its
    ``add_metric(name=, unit=, value=)``; Powertools' own by default)."""

    def __init__(self, metrics: Any = None) -> None:
        if metrics is None:
            from aws_lambda_powertools import Metrics

            metrics = Metrics()  # shares the handler's metric set (class-level in Powertools)
        self._metrics = metrics

    def _add(self, name: str, unit: str, value: float) -> None:
        self._metrics.add_metric(name=name, unit=unit, value=value)

    def question(self, record: QuestionRecord) -> None:
        """Counts, times, tokens and cost of one question."""
        self._add(QUESTIONS, "Count", 1)
        self._add(NOT_FOUND, "Count", int(record.outcome is AnswerOutcome.NOT_FOUND))
        self._add(ANSWER_ERRORS, "Count", int(record.outcome is AnswerOutcome.ERROR))
        self._add(ANSWER_SECONDS, "Seconds", record.answer_s)
        if record.first_token_s is not None:
            self._add(FIRST_TOKEN_SECONDS, "Seconds", record.first_token_s)
        if record.retrieval_s is not None:
            self._add(RETRIEVAL_SECONDS, "Seconds", record.retrieval_s)
        self._add(INPUT_TOKENS, "Count", record.input_tokens)
        self._add(OUTPUT_TOKENS, "Count", record.output_tokens)
        self._add(COST_USD, "None", record.cost_usd)

    def ingestion(self, record: IngestRecord) -> None:
        """One ingestion job: its outcome's count and its duration."""
        self._add(ingestion_metric(record.outcome), "Count", 1)
        self._add(INGESTION_SECONDS, "Seconds", record.seconds)
