"""Disabling a Cognito user, or signing them out everywhere, ends their tokens within a minute
(issue 13): the identity asks Cognito (GetUser, on moto) at most once a minute per token."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from service.adapters.cognito_identity import CognitoIdentity, cognito_identity, cognito_user_check
from service.errors import Unauthorized
from tests.aws.conftest import Stack, sign_up


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def new_user(stack: Stack) -> tuple[str, str]:
    """A fresh confirmed user (so disabling it disturbs no other test): name, access token."""
    name = f"u{uuid.uuid4().hex[:8]}"
    token, _ = sign_up(stack.aws("cognito-idp"), stack.pool_id, stack.client_id, name, admin=False)
    return name, token


def checked_identity(stack: Stack, clock: Clock, **kwargs: Any) -> CognitoIdentity:
    return CognitoIdentity(
        region="us-east-1",
        user_pool_id=stack.pool_id,
        client_id=stack.client_id,
        jwks_url=f"{stack.endpoint}/{stack.pool_id}/.well-known/jwks.json",
        clock=clock,
        **{"user_check": cognito_user_check("us-east-1", stack.endpoint), **kwargs},
    )


@pytest.mark.parametrize("how", ["disable", "global sign-out"])
def test_a_disabled_or_signed_out_users_token_stops_within_a_minute(stack: Stack, how: str) -> None:
    clock, (name, token) = Clock(), new_user(stack)
    identity = checked_identity(stack, clock)
    assert identity.verify(token).user_id  # checked with Cognito: accepted
    idp = stack.aws("cognito-idp")
    if how == "disable":
        idp.admin_disable_user(UserPoolId=stack.pool_id, Username=name)
    else:
        idp.admin_user_global_sign_out(UserPoolId=stack.pool_id, Username=name)
    clock.now += 59
    assert identity.verify(token).user_id  # the cached answer, at most a minute old
    clock.now += 1
    with pytest.raises(Unauthorized, match="disabled or signed out"):
        identity.verify(token)


def test_the_configured_identity_checks_a_fresh_token_at_once(stack: Stack) -> None:
    name, token = new_user(stack)
    _, other = new_user(stack)
    stack.aws("cognito-idp").admin_disable_user(UserPoolId=stack.pool_id, Username=name)
    identity = cognito_identity(stack.settings())  # what the authorizer and the API use
    with pytest.raises(Unauthorized):
        identity.verify(token)
    assert identity.verify(other).user_id
    assert identity.verify(stack.tokens["alice"]).user_id == stack.subs["alice"]


def test_while_cognito_cannot_be_asked_the_last_answer_stands(stack: Stack) -> None:
    clock, (_, token) = Clock(), new_user(stack)
    answers: list[bool | None] = [True, None]

    def flaky(checked: str) -> bool:
        answer = answers.pop(0) if answers else None
        if answer is None:
            raise OSError("Cognito unreachable")
        return answer

    identity = checked_identity(stack, clock, user_check=flaky)
    assert identity.verify(token).user_id
    clock.now += 61
    assert identity.verify(token).user_id  # the check failed: the last answer (accepted) stands
    never_checked = checked_identity(stack, clock, user_check=flaky)
    with pytest.raises(Unauthorized, match="could not be checked"):
        never_checked.verify(token)
