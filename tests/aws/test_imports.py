"""The light handlers stay light: what a cold start of each one imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.aws.conftest import Stack
from tests.aws.lambda_events import http_event

# Powertools imports the bare `botocore` package (a user-agent hook); its clients are heavy.
# PyJWT is avoided too: it imports all of cryptography (X.509 included), ~0.1 s.
HEAVY = ("llama_index", "lancedb", "boto3", "botocore.session", "onnxruntime", "jwt")
PROBE = "import sys, handlers.aws.{m}; print(','.join(p for p in {h!r} if p in sys.modules))"


@pytest.mark.parametrize("module", ["ws_authorizer", "ws_connection"])
def test_light_handlers_import_no_heavy_packages(module: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(m=module, h=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_identity_module_imports_without_llamaindex_or_lancedb() -> None:
    probe = "import sys, service.adapters.cognito_identity; print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "llama_index" not in out.stdout and "lancedb" not in out.stdout


# The events are built by the test (its helpers import the embedding model) and read from stdin.
ADMIN_PROBE = """
import json, sys, uuid
from handlers.aws import admin

class Context:
    function_name, memory_limit_in_mb, function_version = "rag-admin", 1024, "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:rag-admin"
    aws_request_id = uuid.uuid4().hex
    def get_remaining_time_in_millis(self): return 300_000

create, list_, me, get = json.load(sys.stdin)
created = admin.handler(create, Context())
doc_id = json.loads(created["body"])["document"]["doc_id"]
get["rawPath"] = get["requestContext"]["http"]["path"] = get["rawPath"].replace("DOC", doc_id)
status = [created["statusCode"]]
status += [admin.handler(event, Context())["statusCode"] for event in (list_, me, get)]
print(json.dumps({"status": status, "heavy": [p for p in sys.argv[1:] if p in sys.modules]}))
"""


def test_admin_list_and_get_import_neither_lancedb_nor_llamaindex(stack: Stack) -> None:
    """The admin Lambda's create, list, get and /me routes (a cold start each time the
    function scales out) never load the vector index or LlamaIndex."""
    token = stack.tokens["alice"]
    events = [
        http_event("POST", "/documents", token, {"filename": "a.txt", "size": 3}),
        http_event("GET", "/documents", token),
        http_event("GET", "/me", token),
        http_event("GET", "/documents/DOC", token),
    ]
    out = subprocess.run(
        [sys.executable, "-c", ADMIN_PROBE, *HEAVY],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == [201, 200, 200, 200]
    assert not {"llama_index", "lancedb", "onnxruntime"} & set(result["heavy"])
