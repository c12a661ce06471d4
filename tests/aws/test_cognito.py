"""Cognito access-token verification against moto's user pool JWKS: every bad token refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from handlers.aws import ws_authorizer
from service.adapters.cognito_identity import CognitoIdentity, fetch_json, issuer_for
from service.errors import Unauthorized
from tests.aws.conftest import FakeContext, Stack, sign_up
from tests.aws.lambda_events import load


def pool_key() -> Any:
    """The private key behind moto's JWKS (kid ``dummy``): lets tests mint tokens whose
    signature is valid, to prove the claim checks on their own."""
    from moto.utilities.utils import load_resource

    return jwt.PyJWK.from_dict(
        load_resource("cognitoidp/resources/jwks-private.json"), algorithm="RS256"
    ).key


def identity(stack: Stack, **kwargs: Any) -> CognitoIdentity:
    return CognitoIdentity(
        region="us-east-1",
        user_pool_id=stack.pool_id,
        client_id=stack.client_id,
        jwks_url=f"{stack.endpoint}/{stack.pool_id}/.well-known/jwks.json",
        **kwargs,
    )


def claims(stack: Stack, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": issuer_for("us-east-1", stack.pool_id),
        "sub": stack.subs["alice"],
        "client_id": stack.client_id,
        "token_use": "access",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }


def test_valid_access_tokens(stack: Stack) -> None:
    who = identity(stack).verify(stack.tokens["alice"])
    assert (who.user_id, who.is_admin) == (stack.subs["alice"], False)
    root = identity(stack).verify(stack.tokens["root"])
    assert (root.user_id, root.is_admin) == (stack.subs["root"], True)
    minted = jwt.encode(claims(stack), pool_key(), algorithm="RS256", headers={"kid": "dummy"})
    assert identity(stack).verify(minted).user_id == stack.subs["alice"]


def forged_signature(stack: Stack) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims(stack), other, algorithm="RS256", headers={"kid": "dummy"})


def alg_none(stack: Stack) -> str:
    return jwt.encode(claims(stack), None, algorithm="none", headers={"kid": "dummy"})


def hs256_with_public_key(stack: Stack) -> str:
    """The classic key-confusion attack: HMAC keyed with the pool's public key. Built by hand,
    because PyJWT refuses to sign with a PEM or JWK as an HMAC secret."""
    from cryptography.hazmat.primitives import serialization

    public = (
        pool_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "dummy"}).encode())
    body = b64(json.dumps(claims(stack)).encode())
    signature = b64(hmac.new(public, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + signature).decode()


def expired(stack: Stack) -> str:
    old = claims(stack, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    return jwt.encode(old, pool_key(), algorithm="RS256", headers={"kid": "dummy"})


def wrong_client(stack: Stack) -> str:
    return jwt.encode(
        claims(stack, client_id="another-app"),
        pool_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )


def id_token(stack: Stack) -> str:
    idp = stack.aws("cognito-idp")
    return str(
        idp.admin_initiate_auth(
            UserPoolId=stack.pool_id,
            ClientId=stack.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Correct-Horse-9-battery"},
        )["AuthenticationResult"]["IdToken"]
    )


def other_pool(stack: Stack) -> str:
    idp = stack.aws("cognito-idp")
    pool = idp.create_user_pool(PoolName="someone-else")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    token, _ = sign_up(idp, pool, client, "mallory", admin=False)
    return token  # same moto key, other issuer


def minted(stack: Stack, headers: dict[str, Any] | None = None, **overrides: Any) -> str:
    """A token signed with the pool's real key, with the given claims changed (None drops)."""
    body = {k: v for k, v in claims(stack, **overrides).items() if v is not None}
    return jwt.encode(body, pool_key(), algorithm="RS256", headers=headers or {"kid": "dummy"})


def tampered(stack: Stack) -> str:
    head, _, signature = stack.tokens["bob"].split(".")
    body = base64.urlsafe_b64encode(json.dumps(claims(stack)).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{signature}"  # Alice's claims under Bob's signature


BAD_TOKENS: dict[str, Callable[[Stack], str]] = {
    "tampered payload": tampered,
    "no exp": lambda stack: minted(stack, exp=None),
    "exp as a string": lambda stack: minted(stack, exp="9999999999"),
    "not valid yet": lambda stack: minted(stack, nbf=int(time.time()) + 3600),
    "no kid": lambda stack: minted(stack, headers={"typ": "JWT"}),
    "no sub": lambda stack: minted(stack, sub=None),
    "non-ascii": lambda stack: stack.tokens["alice"] + "é",
    "four parts": lambda stack: stack.tokens["alice"] + ".x",
    "bad signature": forged_signature,
    "alg none": alg_none,
    "HS256 with the public key": hs256_with_public_key,
    "expired": expired,
    "other pool": other_pool,
    "wrong client id": wrong_client,
    "id token": id_token,
    "garbage": lambda _stack: "not.a.token",
    "empty": lambda _stack: "",
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_bad_tokens_are_refused(stack: Stack, case: str) -> None:
    with pytest.raises(Unauthorized):
        identity(stack).verify(BAD_TOKENS[case](stack))


def test_unknown_kid_refreshes_the_key_set_once(stack: Stack) -> None:
    fetched: list[str] = []

    def counting_fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return fetch_json(url)

    verifier = identity(stack, fetch=counting_fetch, refresh_cooldown_s=0)
    verifier.verify(stack.tokens["alice"])
    assert len(fetched) == 1
    verifier.verify(stack.tokens["bob"])
    assert len(fetched) == 1  # cached
    unknown = jwt.encode(claims(stack), pool_key(), algorithm="RS256", headers={"kid": "rotated"})
    with pytest.raises(Unauthorized, match="unknown signing key"):
        verifier.verify(unknown)
    assert len(fetched) == 2  # refreshed exactly once for the unknown kid


def test_unknown_kid_refresh_is_rate_limited(stack: Stack) -> None:
    fetched: list[str] = []
    verifier = identity(stack, fetch=lambda url: fetched.append(url) or fetch_json(url))
    unknown = jwt.encode(claims(stack), pool_key(), algorithm="RS256", headers={"kid": "rotated"})
    for _ in range(5):
        with pytest.raises(Unauthorized):
            verifier.verify(unknown)
    assert len(fetched) == 1  # random kids cannot make it hammer the JWKS endpoint


def test_authorizer_allows_a_valid_token_and_denies_a_forged_one(stack: Stack) -> None:
    event = load("ws_authorizer_request")
    event["queryStringParameters"]["token"] = stack.tokens["alice"]
    allowed = ws_authorizer.handler(event, FakeContext())
    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    context = allowed["context"]
    assert context == {
        **context,
        "user_id": stack.subs["alice"],
        "is_admin": "false",
        "groups": "",
        "username": "alice",
    }
    assert int(context["expires_at"]) > time.time()  # the token's exp, for ws_message
    event["queryStringParameters"]["token"] = forged_signature(stack)
    denied = ws_authorizer.handler(event, FakeContext())
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert denied["context"] == {}


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/jwks.json",
        "http://127.0.0.1.evil.example/jwks.json",
        "file:///etc/passwd",
    ],
)
def test_key_set_must_come_over_https(url: str) -> None:
    with pytest.raises(Unauthorized):
        fetch_json(url)
