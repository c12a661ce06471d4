"""Deployment settings and the pure helpers behind the stacks (no synth needed)."""

from __future__ import annotations

import pytest

from infra.deploy_config import DeployConfig
from infra.environment import base_env, settings_env
from infra.functions import retention
from infra.permissions import bedrock_model_arns
from service.config import Settings


def test_defaults_come_from_the_service_settings() -> None:
    config, settings = DeployConfig(), Settings()
    assert config.bedrock_embed_model == settings.bedrock_embed_model
    assert config.bedrock_llm_model == settings.bedrock_llm_model
    assert config.queue_max_receives == settings.queue_max_receives
    assert config.fusion_opening_weight == settings.fusion_opening_weight
    assert config.self_sign_up is False and config.admins == ()


def test_context_values_are_parsed() -> None:
    context = {
        "admins": "a@example.com, b@example.com",
        "selfSignUp": "true",
        "ingestMaxConcurrency": "8",
        "bedrockLlmModel": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "webOrigins": "",
        "fusionOpeningWeight": "0",
    }
    config = DeployConfig.from_context(context.get)
    assert config.fusion_opening_weight == 0.0
    with pytest.raises(ValueError, match=">= 0"):
        DeployConfig.from_context({"fusionOpeningWeight": "-1"}.get)
    assert config.admins == ("a@example.com", "b@example.com")
    assert config.self_sign_up is True
    assert config.ingest_max_concurrency == 8
    assert config.bedrock_llm_model.startswith("us.")
    assert config.web_origins == ()


def test_environment_names_are_checked() -> None:
    assert settings_env(top_k=3) == {"RAG_TOP_K": "3"}
    with pytest.raises(KeyError):
        settings_env(no_such_setting=1)


def test_a_cohere_model_selects_the_cohere_provider() -> None:
    env = base_env(
        region="eu-west-1",
        bedrock_region="eu-west-1",
        embed_model="cohere.embed-multilingual-v3",
        llm_model="m",
    )
    assert env["RAG_EMBED_PROVIDER"] == "bedrock-cohere"
    assert env["RAG_BEDROCK_COHERE_MODEL"] == "cohere.embed-multilingual-v3"
    assert "RAG_BEDROCK_EMBED_MODEL" not in env


def test_inference_profiles_grant_the_profile_and_its_model_only() -> None:
    arns, findings = bedrock_model_arns(
        ["amazon.titan-embed-text-v2:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0"], "us-east-1"
    )
    assert [a.split(":bedrock:")[1] for a in arns] == [
        "us-east-1::foundation-model/amazon.titan-embed-text-v2:0",
        f"us-east-1:{arns[1].split(':')[4]}:inference-profile/"
        "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
    ]
    assert findings == [
        "Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/"
        "anthropic.claude-3-5-haiku-20241022-v1:0"
    ]


def test_log_retention_accepts_only_cloudwatch_values() -> None:
    assert retention(30).name == "ONE_MONTH"
    with pytest.raises(ValueError, match="one of"):
        retention(31)
