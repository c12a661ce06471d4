"""cdk-nag 3 (a CDK validation plugin): turning it on, and acknowledging a finding with a reason.

A finding is acknowledged on the construct that causes it (inherited by its children), one
finding id at a time (``AwsSolutions-IAM5[Resource::...]``), and always with a written reason.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON_CHARS = 20


def enable_checks(app: App) -> None:
    """Run the AwsSolutions pack at synth; a finding not acknowledged fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` on ``scope`` and everything under it, saying why."""
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise ValueError(f"acknowledging {rule_id} needs a real reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def acknowledge_wildcards(scope: IConstruct, findings: list[str], reason: str) -> None:
    """Acknowledge ``AwsSolutions-IAM5`` findings (``Resource::...`` / ``Action::...``)."""
    for finding in findings:
        acknowledge(scope, f"AwsSolutions-IAM5[{finding}]", reason)
