"""AWS handlers: no bare ``assert`` for run-time checks (``python -O`` strips them), and a
request that records no metric publishes nothing without Powertools' warning."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from handlers.aws import admin, ws_message
from tests.aws.conftest import FakeContext, Stack
from tests.aws.lambda_events import http_event, ws_event
from tests.conftest import ROOT

AWS_CODE = [
    *sorted((ROOT / "handlers" / "aws").glob("*.py")),
    *(
        ROOT / "service" / "adapters" / f"{name}.py"
        for name in (
            "s3_blob",
            "dynamo_registry",
            "dynamo_connections",
            "dynamo_schema",
            "sqs_queue",
            "apigw_notifier",
            "aws_clients",
            "cognito_identity",
        )
    ),
]


def test_no_bare_asserts_in_aws_code() -> None:
    found = []
    for path in AWS_CODE:
        tree = ast.parse(Path(path).read_text())
        found += [f"{path.name}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert found == []


def test_routes_without_metrics_do_not_warn(stack: Stack) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = admin.handler(http_event("GET", "/me", stack.tokens["alice"]), FakeContext())
        assert response["statusCode"] == 200, response
        event = ws_event("ws_message", "conn-tidy", stack.subs["alice"], {"action": "ping"})
        assert ws_message.handler(event, FakeContext()) == {"statusCode": 200}
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "No application metrics" in m], messages
