"""WebSocket ``$connect`` REQUEST authorizer: verifies the Cognito access token passed as
``?token=`` and returns an IAM policy whose context names the user for every later route.

Light by design (cold start): no LlamaIndex, LanceDB, boto3 or Bedrock imports.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.logging import Logger

from service.adapters.cognito_identity import (
    CognitoIdentity,
    cognito_identity,
    token_expiry,
    token_username,
)
from service.config import get_settings
from service.errors import Unauthorized

logger = Logger(service="rag-ws-authorizer")


@lru_cache(maxsize=1)
def _identity() -> CognitoIdentity:
    return cognito_identity(get_settings())


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Allow the connection for a valid access token, deny it otherwise."""
    token = (event.get("queryStringParameters") or {}).get("token") or ""
    try:
        who = _identity().verify(token)
    except Unauthorized as exc:
        logger.info("connection denied", extra={"reason": exc.message})  # never the token
        return policy("anonymous", "Deny", event["methodArn"], {})
    logger.info("connection allowed", extra={"user_id": who.user_id})
    context_values = {
        "user_id": who.user_id,
        "is_admin": "true" if who.is_admin else "false",
        "groups": ",".join(sorted(who.groups)),  # validated names: never a comma in one
        "username": token_username(token) or "",  # the chat worker reads groups afresh by it
    }
    # Every later message of the connection carries this context: ws_message closes the
    # connection once the token it was opened with has expired.
    context_values["expires_at"] = str(token_expiry(token) or 0)
    return policy(who.user_id, "Allow", event["methodArn"], context_values)


def policy(principal: str, effect: str, resource: str, values: dict[str, str]) -> dict[str, Any]:
    """An API Gateway authorizer response."""
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": values,
    }
