"""The operators' view of the deployment: one CloudWatch dashboard and the alarms that page.

Figures come from two places: the service's embedded metrics (``service/adapters/
emf_metrics.py``: questions, not found, errors, answer / first-token / retrieval times, Bedrock
tokens and estimated cost, ingestion outcomes and durations, published by the handlers under
the ``service`` dimension) and AWS's own (Lambda errors and throttles, the DLQ's depth, Bedrock
throttling). Alarms: answer error rate, p95 answer time, throttles (Lambda and Bedrock); the
DLQ depth and each function's errors already alarm in ``DataStack`` and ``ServiceFunction``.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from service.adapters import emf_metrics as emf

PERIOD = Duration.minutes(5)
ANSWER_P95_ALARM_S = 20.0  # a chat answer's p95 above this for 15 minutes pages
ERROR_RATE_ALARM_PCT = 5.0  # answers ending in an error, of all questions, over 15 minutes
CHAT_SERVICE, INGEST_SERVICE = "chat-worker", "ingest"  # the handlers' Metrics(service=...)


def service_metric(
    name: str, service: str, statistic: str = "Sum", label: str | None = None
) -> cw.Metric:
    """One of the service's embedded metrics, as published by the handler of ``service``."""
    return cw.Metric(
        namespace=emf.NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service},
        statistic=statistic,
        period=PERIOD,
        label=label or name,
    )


class Observability(Construct):
    """The dashboard and alarms over ``functions`` (``{name: function name}``), the ingestion
    DLQ and the LLM's Bedrock model."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, str],
        dlq: sqs.IQueue,
        llm_model: str,
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self._functions, self._llm_model = dict(functions), llm_model
        self.alarms = [
            self._alarm("AnswerErrorRate", self.answer_error_rate(), ERROR_RATE_ALARM_PCT,
                        "more than 5% of answers ended in an error"),
            self._alarm("AnswerTimeP95", self.answer_p95(), ANSWER_P95_ALARM_S,
                        "p95 answer time above 20 s"),
            self._alarm("Throttles", self.throttles(), 1,
                        "Lambda functions or the Bedrock model were throttled", periods=1),
        ]  # fmt: skip
        for alarm in self.alarms:
            alarm.add_alarm_action(cw_actions.SnsAction(alarm_topic))
        self.dashboard = cw.Dashboard(self, "Dashboard", default_interval=Duration.hours(24))
        self.dashboard.add_widgets(*self._chat_widgets())
        self.dashboard.add_widgets(*self._cost_widgets())
        self.dashboard.add_widgets(*self._ingestion_widgets(dlq))
        self.dashboard.add_widgets(*self._platform_widgets())

    def answer_error_rate(self) -> cw.MathExpression:
        """Answers ending in an error, in percent of questions."""
        return cw.MathExpression(
            expression="100 * errors / MAX([questions, 1])",
            using_metrics={
                "errors": service_metric(emf.ANSWER_ERRORS, CHAT_SERVICE),
                "questions": service_metric(emf.QUESTIONS, CHAT_SERVICE),
            },
            label="answer error rate (%)",
            period=PERIOD,
        )

    def answer_p95(self) -> cw.Metric:
        """The 95th percentile of answer times."""
        return service_metric(emf.ANSWER_SECONDS, CHAT_SERVICE, "p95", "answer time p95")

    def throttles(self) -> cw.MathExpression:
        """Throttled Lambda invocations of every function plus throttled Bedrock calls."""
        using: dict[str, cw.IMetric] = {
            f"t{i}": cw.Metric(
                namespace="AWS/Lambda",
                metric_name="Throttles",
                dimensions_map={"FunctionName": name},
                statistic="Sum",
                period=PERIOD,
            )
            for i, name in enumerate(self._functions.values())
        }
        using["bedrock"] = cw.Metric(
            namespace="AWS/Bedrock",
            metric_name="InvocationThrottles",
            dimensions_map={"ModelId": self._llm_model},
            statistic="Sum",
            period=PERIOD,
        )
        return cw.MathExpression(
            expression=" + ".join(f"FILL({k}, 0)" for k in using),
            using_metrics=using,
            label="throttles",
            period=PERIOD,
        )

    def _alarm(
        self, name: str, metric: cw.IMetric, threshold: float, what: str, periods: int = 3
    ) -> cw.Alarm:
        return cw.Alarm(
            self,
            name,
            alarm_description=what,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )

    def _chat_widgets(self) -> list[cw.IWidget]:
        questions = cw.GraphWidget(
            title="Questions",
            left=[
                service_metric(emf.QUESTIONS, CHAT_SERVICE, label="questions"),
                service_metric(emf.NOT_FOUND, CHAT_SERVICE, label="not found"),
                service_metric(emf.ANSWER_ERRORS, CHAT_SERVICE, label="errors"),
            ],
            right=[self.answer_error_rate()],
            width=8,
        )
        times = cw.GraphWidget(
            title="Answer, first token and retrieval time (s)",
            left=[
                self.answer_p95(),
                service_metric(emf.ANSWER_SECONDS, CHAT_SERVICE, "p50", "answer time p50"),
                service_metric(emf.FIRST_TOKEN_SECONDS, CHAT_SERVICE, "p95", "first token p95"),
                service_metric(emf.RETRIEVAL_SECONDS, CHAT_SERVICE, "p95", "retrieval p95"),
            ],
            left_annotations=[cw.HorizontalAnnotation(value=ANSWER_P95_ALARM_S, label="alarm")],
            width=16,
        )
        return [questions, times]

    def _cost_widgets(self) -> list[cw.IWidget]:
        tokens = cw.GraphWidget(
            title="Bedrock tokens",
            left=[
                service_metric(emf.INPUT_TOKENS, CHAT_SERVICE, label="input tokens"),
                service_metric(emf.OUTPUT_TOKENS, CHAT_SERVICE, label="output tokens"),
            ],
            width=12,
        )
        cost = cw.SingleValueWidget(
            title="Estimated Bedrock cost (USD, dashboard period)",
            metrics=[service_metric(emf.COST_USD, CHAT_SERVICE, label="estimated cost")],
            set_period_to_time_range=True,
            width=12,
        )
        return [tokens, cost]

    def _ingestion_widgets(self, dlq: sqs.IQueue) -> list[cw.IWidget]:
        outcomes = cw.GraphWidget(
            title="Ingestion",
            left=[
                service_metric(emf.ingestion_metric(o), INGEST_SERVICE, label=o)
                for o in ("indexed", "failed", "skipped", "retry")
            ],
            right=[service_metric(emf.INGESTION_SECONDS, INGEST_SERVICE, "p95", "duration p95")],
            width=12,
        )
        depth = cw.GraphWidget(
            title="Dead letters (documents that failed every retry)",
            left=[dlq.metric_approximate_number_of_messages_visible(period=PERIOD)],
            width=12,
        )
        return [outcomes, depth]

    def _platform_widgets(self) -> list[cw.IWidget]:
        def lambda_metric(metric: str, function: str, label: str) -> cw.Metric:
            return cw.Metric(
                namespace="AWS/Lambda",
                metric_name=metric,
                dimensions_map={"FunctionName": function},
                statistic="Sum",
                period=PERIOD,
                label=label,
            )

        errors, throttles = [], []
        for label, function in self._functions.items():
            errors.append(lambda_metric("Errors", function, label))
            throttles.append(lambda_metric("Throttles", function, label))
        return [
            cw.GraphWidget(title="Lambda errors", left=errors, width=12),
            cw.GraphWidget(title="Throttles", left=[*throttles, self.throttles()], width=12),
        ]
