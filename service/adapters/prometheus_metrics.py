"""The local server's metrics in Prometheus' text format, through ``prometheus_client``.

Series carry no per-person label (unbounded cardinality): per-person figures are the usage
store's. The not-found rate is
``rate(rag_questions_total{outcome="not_found"}[5m]) / rate(rag_questions_total[5m])``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from service.telemetry import IngestRecord, QuestionRecord

CONTENT_TYPE = CONTENT_TYPE_LATEST
_ANSWER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)
_FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_INGEST_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)


class PrometheusRecorder:
    """A ``Recorder`` whose series live in ``registry`` (its own, unless one is given: a
    process-wide default registry would mix in whatever else registered there)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.questions = Counter("rag_questions", "Questions by outcome", ["outcome"], registry=r)
        self.answer_seconds = Histogram(
            "rag_answer_seconds",
            "Question received to last event",
            buckets=_ANSWER_BUCKETS,
            registry=r,
        )
        self.first_token_seconds = Histogram(
            "rag_first_token_seconds",
            "Question received to first token",
            buckets=_ANSWER_BUCKETS,
            registry=r,
        )
        self.retrieval_seconds = Histogram(
            "rag_retrieval_seconds",
            "Retrieval time per question",
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.tokens = Counter("rag_llm_tokens", "LLM tokens", ["direction"], registry=r)
        self.cost = Counter("rag_llm_cost_usd", "Estimated LLM cost in USD", registry=r)
        self.ingestions = Counter(
            "rag_ingestions", "Ingestion jobs by outcome", ["outcome"], registry=r
        )
        self.ingestion_seconds = Histogram(
            "rag_ingestion_seconds",
            "Ingestion job duration",
            ["outcome"],
            buckets=_INGEST_BUCKETS,
            registry=r,
        )

    def question(self, record: QuestionRecord) -> None:
        """Count the question and observe its times, tokens and cost."""
        self.questions.labels(outcome=record.outcome.value).inc()
        self.answer_seconds.observe(record.answer_s)
        if record.first_token_s is not None:
            self.first_token_seconds.observe(record.first_token_s)
        if record.retrieval_s is not None:
            self.retrieval_seconds.observe(record.retrieval_s)
        self.tokens.labels(direction="input").inc(record.input_tokens)
        self.tokens.labels(direction="output").inc(record.output_tokens)
        self.cost.inc(record.cost_usd)

    def ingestion(self, record: IngestRecord) -> None:
        """Count the job and observe its duration."""
        self.ingestions.labels(outcome=record.outcome).inc()
        self.ingestion_seconds.labels(outcome=record.outcome).observe(record.seconds)

    def render(self) -> bytes:
        """The exposition text (``CONTENT_TYPE``)."""
        return bytes(generate_latest(self.registry))
