"""Bedrock Rerank is granted (and configured) only when the deployment names a rerank model."""

from __future__ import annotations

import json
import os

import pytest

from handlers.aws import ENTRY_POINTS
from service.config import env_name
from tests.infra.conftest import _AWS_IDENTITY, STACKS, TEST_CONTEXT, Synth
from tests.infra.helpers import functions, grants

RERANK_MODEL = "amazon.rerank-v1:0"
CHAT = "handlers.aws.chat_worker.handler"


@pytest.fixture(scope="module")
def synth_rerank(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app synthesized with ``-c bedrockRerankModel=amazon.rerank-v1:0`` (cdk-nag on)."""
    from infra.build import build_app

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in _AWS_IDENTITY}
    try:
        outdir = tmp_path_factory.mktemp("cdk.out.rerank")
        context = {**TEST_CONTEXT, "bedrockRerankModel": RERANK_MODEL}
        rag = build_app(context, outdir=str(outdir))
        rag.app.synth()
    finally:
        os.environ.update(saved)
    templates = {
        name: json.loads((outdir / f"{getattr(rag, name).stack_name}.template.json").read_text())
        for name in STACKS
    }
    return Synth(rag=rag, outdir=outdir, templates=templates)


def env_of(synth: Synth, handler: str) -> dict[str, str]:
    _, fn = functions(synth)[handler]
    return dict(fn["Properties"]["Environment"]["Variables"])


def test_the_chat_worker_gets_the_openings_weight(synth: Synth) -> None:
    assert env_of(synth, CHAT)[env_name("fusion_opening_weight")] == "2.0"


def test_no_rerank_grant_by_default(synth: Synth) -> None:
    for handler in ENTRY_POINTS.values():
        assert grants(synth, handler, "bedrock:Rerank") == [], handler
    assert env_name("reranker") not in env_of(synth, CHAT)


def test_rerank_model_named_grants_rerank_to_the_chat_worker_only(synth_rerank: Synth) -> None:
    for handler in ENTRY_POINTS.values():
        rerank = grants(synth_rerank, handler, "bedrock:Rerank")
        assert rerank == (['"*"'] if handler == CHAT else []), handler
    invoke = grants(synth_rerank, CHAT, "bedrock:InvokeModel")
    assert any(f"foundation-model/{RERANK_MODEL}" in arn for arn in invoke)
    env = env_of(synth_rerank, CHAT)
    assert env[env_name("reranker")] == "bedrock"
    assert env[env_name("bedrock_rerank_model")] == RERANK_MODEL
