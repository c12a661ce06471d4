"""The X-Ray SDK is imported only when tracing is on (it costs ~0.5 s of a cold start)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "import sys, handlers.aws.{m} as h; "
    "print(type(h.tracer).__name__, 'aws_xray_sdk.core' in sys.modules)"
)


def _probe(module: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA", "POWERTOOLS"))}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(m=module)],
        env={**base, "AWS_DEFAULT_REGION": "us-east-1", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.mark.parametrize("module", ["chat_worker", "ingest", "ws_message"])
def test_no_xray_sdk_when_tracing_is_off(module: str) -> None:
    assert _probe(module, AWS_LAMBDA_FUNCTION_NAME="f", POWERTOOLS_TRACE_DISABLED="1") == (
        "NoTracer False"
    )
    assert _probe(module) == "NoTracer False"  # not on Lambda


def test_powertools_tracer_when_tracing_is_on() -> None:
    assert _probe("chat_worker", AWS_LAMBDA_FUNCTION_NAME="f") == "Tracer True"
