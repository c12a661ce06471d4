"""The CDK app, synthesized once per session offline (no AWS credentials, no Docker engine),
with the cdk-nag AwsSolutions pack enabled: a finding that is not acknowledged fails the synth."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The AWS test stack (moto resources, the Bedrock test server) for the clean-install run.
from tests.aws.conftest import bedrock, stack  # noqa: F401

# Node 20's end-of-life banner on every jsii start is noise in test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")

_AWS_IDENTITY = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "CDK_DEFAULT_ACCOUNT",
    "CDK_DEFAULT_REGION",
}
STACKS = ("web", "data", "auth", "api", "ingestion")
TEST_CONTEXT = {
    "admins": "ops@example.com",
    "webOrigins": "http://localhost:5173",
    "alarmEmail": "alarms@example.com",
}


@dataclass(frozen=True)
class Synth:
    """The synthesized app: its construct tree, cloud assembly directory and templates."""

    rag: Any  # infra.build.RagApp
    outdir: Path
    templates: dict[str, dict[str, Any]]  # "data" -> the RagData template (JSON)

    def resources(self, stack_name: str, type_: str) -> dict[str, dict[str, Any]]:
        """``{logical id: resource}`` of one type in one stack."""
        found = self.templates[stack_name]["Resources"].items()
        return {k: v for k, v in found if v["Type"] == type_}

    def all_resources(self, type_: str) -> dict[str, dict[str, Any]]:
        """``{stack/logical id: resource}`` of one type across every stack."""
        return {f"{name}/{k}": v for name in STACKS for k, v in self.resources(name, type_).items()}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Synthesize every stack once (about 30-40 s on two busy cores)."""
    from infra.build import build_app

    # Offline: no credentials, no account, no region (the stacks are environment-agnostic).
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in _AWS_IDENTITY}
    try:
        outdir = tmp_path_factory.mktemp("cdk.out")
        rag = build_app(dict(TEST_CONTEXT), outdir=str(outdir))
        rag.app.synth()
    finally:
        os.environ.update(saved)
    templates = {
        name: json.loads((outdir / f"{getattr(rag, name).stack_name}.template.json").read_text())
        for name in STACKS
    }
    return Synth(rag=rag, outdir=outdir, templates=templates)
