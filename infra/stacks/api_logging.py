"""Access logging of the API stages, and the account-level role WebSocket logging needs."""

from __future__ import annotations

import json

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import acknowledge_wildcards

# Access logs never contain query strings (the WebSocket token travels in one) or bodies.
WS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "connectionId": "$context.connectionId",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "error": "$context.error.message",
    "authorizerError": "$context.authorizer.error",
    "integrationLatency": "$context.integrationLatency",
    "sourceIp": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
}
HTTP_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "authorizerError": "$context.authorizer.error",
    "sourceIp": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
}


def access_logs(
    stage: apigw.WebSocketStage | apigw.HttpStage,
    name: str,
    fmt: dict[str, str],
    log_retention: logs.RetentionDays,
) -> None:
    """JSON access logs of ``stage`` into a log group of its own (set on the L1 stage)."""
    group = logs.LogGroup(
        Stack.of(stage), name, retention=log_retention, removal_policy=RemovalPolicy.DESTROY
    )
    cfn = stage.node.default_child
    cfn.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(  # type: ignore[union-attr]
        destination_arn=group.log_group_arn, format=json.dumps(fmt)
    )


def api_gateway_account_role(scope: Construct, stage: apigw.WebSocketStage) -> None:
    """The region's API Gateway CloudWatch role (WebSocket access logs need it)."""
    role = iam.Role(
        scope,
        "ApiGatewayCloudWatchRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        inline_policies={
            "logs": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        actions=[
                            "logs:CreateLogGroup",
                            "logs:CreateLogStream",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                            "logs:PutLogEvents",
                            "logs:GetLogEvents",
                            "logs:FilterLogEvents",
                        ],
                        resources=[f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"],
                    )
                ]
            )
        },
    )
    acknowledge_wildcards(
        role,
        ["Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:*"],
        "API Gateway's account-wide logging role writes execution and access logs of any "
        "API in this account and region; AWS defines it that way (one role per region).",
    )
    account = apigw_v1.CfnAccount(scope, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
    stage.node.default_child.node.add_dependency(account)  # type: ignore[union-attr]
