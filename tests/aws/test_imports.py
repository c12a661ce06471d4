"""The light handlers stay light: what a cold start of each one imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
