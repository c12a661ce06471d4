"""Contract of the Identity port: a valid access token names its user (and whether they are an
admin); anything else is ``Unauthorized``."""

from __future__ import annotations

import base64
import json
from typing import Protocol

import pytest

from service.errors import Unauthorized
from service.ports import Identity


class Harness(Protocol):
    identity: Identity

    def token(self, user: str, *, admin: bool = False) -> tuple[str, str]: ...


def test_a_valid_token_names_its_user(identity_harness: Harness) -> None:
    token, user_id = identity_harness.token("alice")
    who = identity_harness.identity.verify(token)
    assert (who.user_id, who.is_admin) == (user_id, False)


def test_admins_are_recognised(identity_harness: Harness) -> None:
    token, user_id = identity_harness.token("root", admin=True)
    who = identity_harness.identity.verify(token)
    assert (who.user_id, who.is_admin) == (user_id, True)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "e30.e30.", "Bearer x.y.z"])
def test_malformed_tokens_are_refused(identity_harness: Harness, token: str) -> None:
    with pytest.raises(Unauthorized):
        identity_harness.identity.verify(token)


def test_a_token_with_changed_claims_is_refused(identity_harness: Harness) -> None:
    token, _ = identity_harness.token("mallory")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = claims["username"] = "alice"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthorized):
        identity_harness.identity.verify(f"{header}.{forged}.{signature}")


def test_a_token_cut_short_is_refused(identity_harness: Harness) -> None:
    token, _ = identity_harness.token("alice")
    with pytest.raises(Unauthorized):
        identity_harness.identity.verify(token[:-4])
