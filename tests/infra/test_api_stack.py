"""Auth, API and web stacks: Cognito, the WebSocket and HTTP APIs, Amplify (templates)."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from infra.stacks.api import MESSAGE_ROUTES, TOKEN_SOURCE
from service.config import Settings
from tests.infra.conftest import Synth
from tests.infra.helpers import text


def test_user_pool_is_closed_with_a_strong_password_policy(synth: Synth) -> None:
    (pool,) = synth.resources("auth", "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    for flag in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"):
        assert policy[flag] is True
    assert pool["DeletionPolicy"] == "Retain"


def test_web_client_has_no_secret_and_uses_srp(synth: Synth) -> None:
    (client,) = synth.resources("auth", "AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert props["GenerateSecret"] is False
    assert set(props["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert "AllowedOAuthFlows" not in props


def test_admins_group_and_invited_admins(synth: Synth) -> None:
    template = Template.from_json(synth.templates["auth"])
    admin_group = Settings().cognito_admin_group
    template.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": admin_group})
    template.has_resource_properties(
        "AWS::Cognito::UserPoolUser",
        {"Username": "ops@example.com", "DesiredDeliveryMediums": ["EMAIL"]},
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolUserToGroupAttachment",
        {"GroupName": admin_group, "Username": "ops@example.com"},
    )


def test_websocket_routes_and_the_connect_authorizer(synth: Synth) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in synth.resources("api", "AWS::ApiGatewayV2::Route").values()
        if "WebSocketApi" in text(r["Properties"]["ApiId"])
    }
    assert set(routes) == {"$connect", "$disconnect", *MESSAGE_ROUTES}
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert {r["AuthorizationType"] for k, r in routes.items() if k != "$connect"} == {"NONE"}
    authorizers = {
        a["Properties"]["AuthorizerType"]: a["Properties"]
        for a in synth.resources("api", "AWS::ApiGatewayV2::Authorizer").values()
    }
    assert authorizers["REQUEST"]["IdentitySource"] == [TOKEN_SOURCE]
    assert "AuthorizerFunction" in text(authorizers["REQUEST"]["AuthorizerUri"])
    (ws_api,) = [
        a["Properties"]
        for a in synth.resources("api", "AWS::ApiGatewayV2::Api").values()
        if a["Properties"]["ProtocolType"] == "WEBSOCKET"
    ]
    assert ws_api["RouteSelectionExpression"] == "$request.body.action"
    integrations = text(synth.resources("api", "AWS::ApiGatewayV2::Integration"))
    assert "ConnectionFunction" in integrations and "MessageFunction" in integrations


def test_every_websocket_route_exists_once(synth: Synth) -> None:
    keys = [
        r["Properties"]["RouteKey"]
        for r in synth.resources("api", "AWS::ApiGatewayV2::Route").values()
    ]
    for key in ("$connect", "$disconnect", "ask", "cancel", "ping"):
        assert keys.count(key) == 1
    assert keys.count("$default") == 2  # the WebSocket $default route and the HTTP API's


def test_stages_throttle_and_log_without_query_strings(synth: Synth) -> None:
    stages = [s["Properties"] for s in synth.resources("api", "AWS::ApiGatewayV2::Stage").values()]
    assert {s["StageName"] for s in stages} == {"prod", "$default"}
    for stage in stages:
        throttle = stage["DefaultRouteSettings"]
        assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0
        log_format = json.loads(stage["AccessLogSettings"]["Format"])
        # The WebSocket token travels as ?token=: no field may carry the query string.
        assert not any("requestUri" in v or "querystring" in v.lower() for v in log_format.values())
    groups = synth.resources("api", "AWS::Logs::LogGroup")
    assert all("RetentionInDays" in g["Properties"] for g in groups.values())


def test_http_api_uses_the_cognito_jwt_authorizer_and_cors(synth: Synth) -> None:
    (http_api,) = [
        a["Properties"]
        for a in synth.resources("api", "AWS::ApiGatewayV2::Api").values()
        if a["Properties"]["ProtocolType"] == "HTTP"
    ]
    cors = http_api["CorsConfiguration"]
    origins = text(cors["AllowOrigins"])
    assert "https://main." in origins and "WebAppDefaultDomain" in origins  # the Amplify app
    assert set(cors["AllowMethods"]) >= {"GET", "POST", "DELETE"}
    assert "authorization" in cors["AllowHeaders"]
    jwt = [
        a["Properties"]
        for a in synth.resources("api", "AWS::ApiGatewayV2::Authorizer").values()
        if a["Properties"]["AuthorizerType"] == "JWT"
    ]
    (jwt_props,) = jwt
    assert "cognito-idp" in text(jwt_props["JwtConfiguration"]["Issuer"])
    assert "UsersWebApp" in text(jwt_props["JwtConfiguration"]["Audience"])  # the client id
    http_routes = [
        r["Properties"]
        for r in synth.resources("api", "AWS::ApiGatewayV2::Route").values()
        if "AdminApi" in text(r["Properties"]["ApiId"])
    ]
    assert sorted((r["RouteKey"], r["AuthorizationType"]) for r in http_routes) == [
        ("$default", "JWT"),
        ("OPTIONS /{proxy+}", "NONE"),  # CORS preflight only: browsers send it without a token
    ]


def test_amplify_app_and_outputs_for_config_json(synth: Synth) -> None:
    web = Template.from_json(synth.templates["web"])
    web.has_resource_properties("AWS::Amplify::App", {"Platform": "WEB"})
    web.has_resource_properties(
        "AWS::Amplify::Branch", {"BranchName": "main", "Stage": "PRODUCTION"}
    )
    web.has_resource_properties(
        "AWS::Amplify::App",
        {"CustomRules": Match.array_with([Match.object_like({"Target": "/index.html"})])},
    )
    outputs = {k for stack in synth.templates.values() for k in stack.get("Outputs", {})}
    assert outputs >= {
        "AmplifyAppId",
        "AmplifyBranch",
        "WebUrl",
        "HttpApiUrl",
        "WebSocketUrl",
        "Region",
        "UserPoolId",
        "UserPoolClientId",
    }
