"""Builds the CDK app: five stacks wired in dependency order (web, data, auth, api, ingestion)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from aws_cdk import App, Environment, Tags

from infra.deploy_config import DeployConfig
from infra.nag import enable_checks
from infra.stacks.api import ApiStack
from infra.stacks.auth import AuthStack
from infra.stacks.data import DataStack
from infra.stacks.ingestion import IngestionStack
from infra.stacks.web import WebStack

# Cross-stack values are CloudFormation exports (the behaviour CDK defaults to, made explicit).
DEFAULT_CONTEXT = {"@aws-cdk/core:defaultCrossStackReferences": "strong"}


@dataclass(frozen=True)
class RagApp:
    """The app and its stacks (tests look at each stack's template)."""

    app: App
    web: WebStack
    data: DataStack
    auth: AuthStack
    api: ApiStack
    ingestion: IngestionStack


def build_app(
    context: dict[str, Any] | None = None, *, outdir: str | None = None, nag: bool = True
) -> RagApp:
    """Create the app; ``context`` is what ``cdk -c`` would pass (tests set it directly)."""
    app = App(context={**DEFAULT_CONTEXT, **(context or {})}, outdir=outdir)
    config = DeployConfig.from_context(app.node.try_get_context)
    env = Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    )
    p = config.prefix
    web = WebStack(app, f"{p}Web", config=config, env=env, description="RAG: web app hosting")
    origins = [web.origin, *config.web_origins]
    data = DataStack(
        app, f"{p}Data", config=config, web_origins=origins, env=env,
        description="RAG: documents bucket, ingestion queue, tables, alarms",
    )  # fmt: skip
    auth = AuthStack(app, f"{p}Auth", config=config, env=env, description="RAG: Cognito users")
    api = ApiStack(
        app, f"{p}Api", config=config, data=data, auth=auth, web_origins=origins, env=env,
        description="RAG: WebSocket chat API and admin HTTP API",
    )  # fmt: skip
    ingestion = IngestionStack(
        app, f"{p}Ingestion", config=config, data=data, api=api, env=env,
        description="RAG: ingestion and scheduled maintenance",
    )  # fmt: skip
    for later, earlier in ((api, data), (api, auth), (ingestion, data), (ingestion, api)):
        later.add_stack_dependency(earlier)  # values shared by explicit export carry no dependency
    Tags.of(app).add("project", "rag-service")
    if nag:
        enable_checks(app)
    return RagApp(app=app, web=web, data=data, auth=auth, api=api, ingestion=ingestion)
