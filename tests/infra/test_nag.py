"""cdk-nag 3 (AwsSolutions) runs in the synth: zero unacknowledged findings, every
acknowledgement has a written reason, and an unacknowledged finding really fails the synth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from infra.nag import MIN_REASON_CHARS, acknowledge, enable_checks
from tests.infra.conftest import Synth


def _reports(outdir: Path) -> dict[str, dict[str, Any]]:
    report = json.loads((outdir / "validation-report.json").read_text())
    return {plugin["pluginName"]: plugin for plugin in report["pluginReports"]}


def test_aws_solutions_pack_passes_with_zero_findings(synth: Synth) -> None:
    # The synth did not raise; the report lists only plugins with something to say.
    for plugin in _reports(synth.outdir).values():
        assert plugin["conclusion"] == "success"
        assert [v for v in plugin["violations"] if v["severity"] == "error"] == []
    assert "AwsSolutions" not in _reports(synth.outdir)
    # The same pack run directly over the synthesized tree: it checks, and finds nothing.
    report = AwsSolutionsChecks().validate_scope(synth.rag.app)
    assert report.success is True
    assert list(report.violations) == []


def _acknowledgements(outdir: Path) -> dict[str, str]:
    out = {}
    for path in outdir.glob("*.metadata.json"):
        for construct, entries in json.loads(path.read_text()).items():
            for entry in entries:
                if entry["type"] == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    for rule, reason in entry["data"].items():
                        out[f"{construct} {rule}"] = reason
    return out


def test_every_acknowledgement_carries_a_reason(synth: Synth) -> None:
    acks = _acknowledgements(synth.outdir)
    ours = {k: v for k, v in acks.items() if "AwsSolutions-" in k}
    assert len(ours) >= 10  # the metadata really is where acknowledgements are recorded
    for rule, reason in acks.items():
        assert len(reason.strip()) >= MIN_REASON_CHARS, rule
    # Wildcard acknowledgements name exactly one finding each, never the whole rule.
    assert not [k for k in ours if k.endswith("AwsSolutions-IAM5")]


def test_acknowledging_without_a_reason_is_refused() -> None:
    app = App()
    stack = Stack(app, "Tiny")
    with pytest.raises(ValueError, match="real reason"):
        acknowledge(stack, "AwsSolutions-SQS3", "because")


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Tiny")
    sqs.Queue(stack, "NoDeadLetters", enforce_ssl=True)  # AwsSolutions-SQS3: no DLQ
    enable_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    rules = {v["ruleName"] for v in _reports(tmp_path)["AwsSolutions"]["violations"]}
    assert "AwsSolutions-SQS3" in rules
