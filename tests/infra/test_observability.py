"""The dashboard and alarms (issue 16), as synthesized: the service's embedded metrics by the
names the code publishes, AWS's own, and alarms on error rate, p95 answer time and throttles."""

from __future__ import annotations

from typing import Any

from infra.observability import ANSWER_P95_ALARM_S, ERROR_RATE_ALARM_PCT
from service.adapters import emf_metrics as emf
from tests.infra.conftest import Synth
from tests.infra.helpers import actions, functions, grants, resources, role_id, statements, text


def _alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    found = synth.resources("ingestion", "AWS::CloudWatch::Alarm")
    return {k: v["Properties"] for k, v in found.items() if k.startswith("Observability")}


def test_the_dashboard_shows_the_service_metrics_and_the_platforms(synth: Synth) -> None:
    [dashboard] = synth.resources("ingestion", "AWS::CloudWatch::Dashboard").values()
    body = text(dashboard["Properties"]["DashboardBody"])
    for name in (
        emf.QUESTIONS,
        emf.NOT_FOUND,
        emf.ANSWER_ERRORS,
        emf.ANSWER_SECONDS,
        emf.FIRST_TOKEN_SECONDS,
        emf.RETRIEVAL_SECONDS,
        emf.INPUT_TOKENS,
        emf.OUTPUT_TOKENS,
        emf.COST_USD,
        emf.INGESTION_SECONDS,
        emf.ingestion_metric("indexed"),
        emf.ingestion_metric("failed"),
    ):
        assert f'\\"{name}\\"' in body, name
    assert emf.NAMESPACE in body and "chat-worker" in body
    assert "ApproximateNumberOfMessagesVisible" in body  # the DLQ's depth
    assert "AWS/Lambda" in body and "Throttles" in body and "InvocationThrottles" in body
    # the API stack's functions are named through explicit exports, not hashed ones
    assert "RagApi-ChatWorkerFunctionName" in body


def test_alarms_on_error_rate_p95_answer_time_and_throttles_page_the_topic(synth: Synth) -> None:
    alarms = _alarms(synth)
    assert len(alarms) == 3, sorted(alarms)
    rate = next(a for a in alarms.values() if "errors / MAX" in text(a))
    assert rate["Threshold"] == ERROR_RATE_ALARM_PCT
    assert emf.ANSWER_ERRORS in text(rate) and emf.QUESTIONS in text(rate)
    p95 = next(a for a in alarms.values() if '"p95"' in text(a))
    [stat] = p95["Metrics"]
    assert stat["MetricStat"]["Metric"] == {
        "Dimensions": [{"Name": "service", "Value": "chat-worker"}],
        "MetricName": emf.ANSWER_SECONDS,
        "Namespace": emf.NAMESPACE,
    }
    assert p95["Threshold"] == ANSWER_P95_ALARM_S
    throttles = next(a for a in alarms.values() if "InvocationThrottles" in text(a))
    assert text(throttles).count('"Throttles"') == len(functions(synth))  # each, and Bedrock
    assert throttles["EvaluationPeriods"] == 1 and throttles["Threshold"] == 1
    for alarm in alarms.values():
        assert "Alarms" in text(alarm["AlarmActions"])  # the data stack's alarm topic


def test_the_dead_letter_queue_depth_alarm_remains(synth: Synth) -> None:
    data_alarms = synth.resources("data", "AWS::CloudWatch::Alarm")
    assert any("IngestDeadLetters" in k for k in data_alarms)


def test_usage_grants_are_least_privilege(synth: Synth) -> None:
    from service.adapters.dynamo_usage import USAGE_PREFIX

    reads = [
        s
        for s in statements(synth, *_fn(synth, "admin"))
        if "dynamodb:GetItem" in actions(s) and "Connections" in text(resources(s))
    ]
    assert len(reads) == 1 and actions(reads[0]) == ["dynamodb:GetItem"]
    condition = reads[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert condition == [f"{USAGE_PREFIX}*"]
    # the writers already update the connections table (cancel flags, connections)
    from handlers.aws import ENTRY_POINTS

    for name in ("chat_worker", "ingest"):
        writes = grants(synth, ENTRY_POINTS[name], "dynamodb:UpdateItem")
        assert any("Connections" in r for r in writes), name


def _fn(synth: Synth, name: str) -> tuple[str, str]:
    from handlers.aws import ENTRY_POINTS

    stack, fn = functions(synth)[ENTRY_POINTS[name]]
    return stack, role_id(fn)
