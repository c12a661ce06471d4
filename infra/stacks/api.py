"""API: the WebSocket API for chat and live status (with its route functions and the chat
worker), and the HTTP API of the admin FastAPI app behind a Cognito JWT authorizer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from constructs import Construct

from handlers.aws import ENTRY_POINTS
from infra import deploy_config as dc
from infra.environment import rerank_env, service_env, settings_env
from infra.functions import FunctionSpec, ServiceFunction, retention
from infra.nag import acknowledge
from infra.permissions import (
    DOCUMENTS_PREFIX,
    LANCEDB_PREFIX,
    STORED_PREFIX,
    SharedArn,
    grant_bedrock,
    grant_invoke,
    grant_manage_connections,
    grant_prefix,
    grant_rerank,
    grant_table,
)
from infra.stacks.api_logging import (
    HTTP_LOG_FORMAT,
    WS_LOG_FORMAT,
    access_logs,
    api_gateway_account_role,
)
from infra.stacks.auth import AuthStack
from infra.stacks.data import DataStack
from service.adapters import dynamo_schema as schema
from service.adapters.dynamo_usage import USAGE_PREFIX
from service.config import env_name

WS_STAGE = "prod"
MESSAGE_ROUTES = ("ask", "cancel", "ping", "$default")
TOKEN_SOURCE = "route.request.querystring.token"  # noqa: S105 - where the token is, not one

# API Gateway ends a route integration at 29 s: route functions time out before it does.
SPECS = {
    "authorizer": FunctionSpec(ENTRY_POINTS["ws_authorizer"], "$connect authorizer", 512, 10),
    "connection": FunctionSpec(ENTRY_POINTS["ws_connection"], "$connect/$disconnect", 512, 10),
    "message": FunctionSpec(ENTRY_POINTS["ws_message"], "ask/cancel/ping/$default", 1024, 29),
    "chat_worker": FunctionSpec(
        ENTRY_POINTS["chat_worker"], "streams one answer", 2048, dc.CHAT_TIMEOUT_S
    ),
    "admin": FunctionSpec(ENTRY_POINTS["admin"], "admin REST API (FastAPI)", 2048, 29),
}


def ws_management_url(api_id: str) -> str:
    """The ``post_to_connection`` endpoint of the stage (``RAG_WS_MANAGEMENT_URL``)."""
    return f"https://{api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{WS_STAGE}"


class ApiStack(Stack):
    """Everything a browser talks to after sign-in."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: dc.DeployConfig,
        data: DataStack,
        auth: AuthStack,
        web_origins: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.ws_api = apigw.WebSocketApi(
            self, "WebSocketApi", route_selection_expression="$request.body.action"
        )
        self.ws_management_url = ws_management_url(self.ws_api.api_id)
        self.bedrock_region = config.bedrock_region or Aws.REGION
        env = service_env(
            config,
            data,
            ws_management_url=self.ws_management_url,
            extra={
                "cognito_user_pool_id": auth.user_pool.user_pool_id,
                "cognito_client_id": auth.client.user_pool_client_id,
                **rerank_env(config),
            },
        )
        self.functions = self._functions(env, data, auth)
        self._grant(data)
        # Each question reads the asker's groups from the pool (issue 15: sharing) and whether
        # they were disabled since their WebSocket opened (issue 13).
        self.functions["chat_worker"].role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminGetUser"],
                resources=[auth.user_pool.user_pool_arn],
            )
        )
        self._websocket_routes()
        self.ws_stage = self._websocket_stage()
        self.http_api, self.http_stage = self._http_api(auth, web_origins)
        self.ws_api_id = SharedArn.share(self, self.ws_api.api_id, "WebSocketApiId")
        CfnOutput(self, "WebSocketUrl", value=f"{self.ws_api.api_endpoint}/{WS_STAGE}")
        CfnOutput(self, "HttpApiUrl", value=self.http_api.api_endpoint)
        CfnOutput(self, "Region", value=Aws.REGION)

    def _functions(
        self, env: dict[str, str], data: DataStack, auth: AuthStack
    ) -> dict[str, ServiceFunction]:
        log_retention = retention(self.config.log_retention_days)
        authorizer_env = settings_env(
            mode="aws",
            aws_region=Aws.REGION,
            cognito_user_pool_id=auth.user_pool.user_pool_id,
            cognito_client_id=auth.client.user_pool_client_id,
        )
        out = {}
        for name, spec in SPECS.items():
            out[name] = ServiceFunction(
                self,
                "".join(part.title() for part in name.split("_")),
                spec=spec,
                environment=authorizer_env if name == "authorizer" else env,
                log_retention=log_retention,
                alarm_topic=data.alarm_topic,
            )
        out["message"].function.add_environment(
            env_name("chat_worker_function"), out["chat_worker"].function.function_name
        )
        # No asynchronous retries: a retry would stream a second answer to the same request.
        out["chat_worker"].function.configure_async_invoke(retry_attempts=0)
        return out

    def _grant(self, data: DataStack) -> None:
        fns = self.functions
        api_id = SharedArn(self.ws_api.api_id, f"<{self.get_logical_id(self._cfn_ws_api)}>")
        for name in ("connection", "message", "chat_worker"):
            grant_table(fns[name].role, data.connections, [schema.CONNECTIONS_OWNER_INDEX])
        for name in ("message", "chat_worker"):
            grant_manage_connections(fns[name].role, api_id, WS_STAGE)
        grant_invoke(fns["message"].role, fns["chat_worker"].function)
        grant_prefix(fns["chat_worker"].role, data.bucket_arn, LANCEDB_PREFIX)
        # Each question reads which documents are shared with the asker's groups (issue 15).
        grant_table(fns["chat_worker"].role, data.registry, [schema.SHARE_INDEX], write=False)
        grant_bedrock(
            fns["chat_worker"].role,
            [self.config.bedrock_embed_model, self.config.bedrock_llm_model],
            self.bedrock_region,
            stream=True,
        )
        if self.config.bedrock_rerank_model:
            grant_rerank(
                fns["chat_worker"].role, self.config.bedrock_rerank_model, self.bedrock_region
            )
        # issue 15: the chat worker reads and appends turns (no index); the admin API lists,
        # renames, rates, deletes and exports
        grant_table(fns["chat_worker"].role, data.conversations, [])
        admin = fns["admin"].role
        grant_table(admin, data.conversations, [schema.UPDATED_INDEX, schema.FEEDBACK_INDEX])
        grant_table(
            admin, data.registry, [schema.OWNER_INDEX, schema.ALL_INDEX, schema.SHARE_INDEX]
        )
        data.queue.grant_send_messages(admin)
        grant_prefix(admin, data.bucket_arn, DOCUMENTS_PREFIX, write=True)
        grant_prefix(admin, data.bucket_arn, STORED_PREFIX, write=True)  # deletes stored bytes
        grant_prefix(admin, data.bucket_arn, LANCEDB_PREFIX, write=True)
        # GET /usage reads the daily usage items, and nothing else of the connections table.
        admin.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"],
                resources=[data.connections.table_arn],
                conditions={
                    "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{USAGE_PREFIX}*"]}
                },
            )
        )

    @property
    def _cfn_ws_api(self) -> apigw.CfnApi:
        child = self.ws_api.node.default_child
        assert isinstance(child, apigw.CfnApi)
        return child

    def _websocket_routes(self) -> None:
        fns = self.functions
        authorizer = authorizers.WebSocketLambdaAuthorizer(
            "TokenAuthorizer", fns["authorizer"].function, identity_source=[TOKEN_SOURCE]
        )
        connection = integrations.WebSocketLambdaIntegration(
            "Connection", fns["connection"].function
        )
        message = integrations.WebSocketLambdaIntegration("Message", fns["message"].function)
        self.ws_api.add_route("$connect", integration=connection, authorizer=authorizer)
        self.ws_api.add_route("$disconnect", integration=connection)
        for route in MESSAGE_ROUTES:
            self.ws_api.add_route(route, integration=message)
        acknowledge(
            self.ws_api,
            "AwsSolutions-APIG4",
            "API Gateway WebSocket APIs authorize only $connect; every later route runs on a "
            "connection that $connect's token authorizer admitted, and the handlers use the "
            "principal the authorizer attached to the connection.",
        )

    def _websocket_stage(self) -> apigw.WebSocketStage:
        stage = apigw.WebSocketStage(
            self,
            "WebSocketStage",
            web_socket_api=self.ws_api,
            stage_name=WS_STAGE,
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=self.config.ws_rate_limit, burst_limit=self.config.ws_burst_limit
            ),
        )
        log_retention = retention(self.config.log_retention_days)
        access_logs(stage, "WebSocketAccessLogs", WS_LOG_FORMAT, log_retention)
        if self.config.create_api_gateway_log_role:
            api_gateway_account_role(self, stage)
        return stage

    def _preflight_route(self, api: apigw.HttpApi) -> None:
        # $default (with the JWT authorizer) would also catch browsers' preflight OPTIONS, which
        # carry no token; this more specific route lets API Gateway answer them with CORS headers.
        (preflight,) = api.add_routes(
            path="/{proxy+}",
            methods=[apigw.HttpMethod.OPTIONS],
            integration=integrations.HttpLambdaIntegration(
                "Preflight", self.functions["admin"].function
            ),
            authorizer=apigw.HttpNoneAuthorizer(),
        )
        acknowledge(
            preflight,
            "AwsSolutions-APIG4",
            "CORS preflight (OPTIONS) requests carry no credentials by design; API Gateway "
            "answers them from the CORS configuration.",
        )

    def _http_api(
        self, auth: AuthStack, web_origins: Sequence[str]
    ) -> tuple[apigw.HttpApi, apigw.HttpStage]:
        api = apigw.HttpApi(
            self,
            "AdminApi",
            create_default_stage=False,
            default_integration=integrations.HttpLambdaIntegration(
                "Admin", self.functions["admin"].function
            ),
            default_authorizer=authorizers.HttpUserPoolAuthorizer(
                "Cognito", auth.user_pool, user_pool_clients=[auth.client]
            ),
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=list(web_origins),
                allow_methods=[
                    apigw.CorsHttpMethod.GET,
                    apigw.CorsHttpMethod.POST,
                    apigw.CorsHttpMethod.DELETE,
                ],
                allow_headers=["authorization", "content-type"],
                max_age=Duration.hours(1),
            ),
        )
        self._preflight_route(api)
        stage = apigw.HttpStage(
            self,
            "AdminStage",
            http_api=api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=100, burst_limit=200),
        )
        access_logs(
            stage, "AdminAccessLogs", HTTP_LOG_FORMAT, retention(self.config.log_retention_days)
        )
        return api, stage
