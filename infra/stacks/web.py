"""Web: the Amplify Hosting app the built frontend is deployed into (manual deployments: no
repository connection; ``infra/publish_web.py`` uploads ``frontend/dist`` plus ``config.json``)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_amplify as amplify
from constructs import Construct

from infra import deploy_config as dc

BRANCH = "main"
# Single-page app: every path that is not a static file serves index.html.
_SPA_SOURCE = (
    "</^[^.]+$|\\.(?!(css|gif|ico|jpg|js|json|map|png|svg|txt|webp|woff|woff2)$)([^.]+$)/>"
)


class WebStack(Stack):
    """Static hosting of the web app; its origin is the one CORS allows."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: dc.DeployConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.app = amplify.CfnApp(
            self,
            "WebApp",
            name=f"{config.prefix}-web",
            platform="WEB",
            custom_rules=[
                amplify.CfnApp.CustomRuleProperty(
                    source=_SPA_SOURCE, target="/index.html", status="200"
                )
            ],
            custom_headers=_HEADERS,
        )
        self.branch = amplify.CfnBranch(
            self, "Branch", app_id=self.app.attr_app_id, branch_name=BRANCH, stage="PRODUCTION"
        )
        self.origin = f"https://{BRANCH}.{self.app.attr_default_domain}"
        CfnOutput(self, "AmplifyAppId", value=self.app.attr_app_id)
        CfnOutput(self, "AmplifyBranch", value=BRANCH)
        CfnOutput(self, "WebUrl", value=self.origin)


# config.json must never be cached (it changes with each deployment of the stacks).
_HEADERS = """customHeaders:
  - pattern: '**'
    headers:
      - key: Strict-Transport-Security
        value: max-age=31536000; includeSubDomains
      - key: X-Content-Type-Options
        value: nosniff
      - key: X-Frame-Options
        value: DENY
      - key: Referrer-Policy
        value: no-referrer
  - pattern: /config.json
    headers:
      - key: Cache-Control
        value: no-store
"""
