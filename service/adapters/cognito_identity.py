"""Cognito access-token verification (the ``Identity`` port on AWS).

Checks the RS256 signature against the user pool's JWKS key named by ``kid`` (cached; an
unknown ``kid`` refreshes the set once, at most every ``refresh_cooldown_s``; a failed fetch is
retried with exponential backoff, not on every request), then ``iss``,
``token_use == "access"``, ``client_id`` and expiry. Light to import, because the WebSocket
authorizer's cold start pays for it: no LlamaIndex, LanceDB or boto3, and the RS256 check uses
``cryptography``'s RSA primitives directly (PyJWT pulls in all of ``cryptography`` and its X.509
code: ~0.1 s more). The only algorithm is RS256; ``alg`` is checked before anything else.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from service.errors import BadRequest, Unauthorized
from service.naming import valid_groups, validate_user_id
from service.ports import Principal

ALGORITHM = "RS256"
MIN_KEY_BITS = 2048
MAX_BACKOFF_S = 60.0
Fetch = Callable[[str], dict[str, Any]]


def _b64decode(part: str) -> bytes:
    """Strict base64url (JWTs omit the padding)."""
    return base64.b64decode(part + "=" * (-len(part) % 4), altchars=b"-_", validate=True)


def _json_object(part: str) -> dict[str, Any]:
    data = json.loads(_b64decode(part))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def rsa_key(jwk: dict[str, Any]) -> rsa.RSAPublicKey | None:
    """The RSA public key of a JWK meant for RS256 signatures, or None."""
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
        return None
    if jwk.get("alg", ALGORITHM) != ALGORITHM:
        return None
    n = int.from_bytes(_b64decode(str(jwk["n"])), "big")
    e = int.from_bytes(_b64decode(str(jwk["e"])), "big")
    key = rsa.RSAPublicNumbers(e, n).public_key()
    return key if key.key_size >= MIN_KEY_BITS else None


def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document (the pool's JWKS)."""
    parts = urllib.parse.urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"}
    if parts.scheme != "https" and not loopback:  # plain http only for local test servers
        raise Unauthorized("the key set URL must use https")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - checked above
        data: dict[str, Any] = json.load(response)
    return data


def issuer_for(region: str, user_pool_id: str) -> str:
    """The ``iss`` of a Cognito user pool's tokens."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


class CognitoIdentity:
    """Verifies Cognito access tokens of one user pool and app client."""

    def __init__(
        self,
        *,
        region: str,
        user_pool_id: str,
        client_id: str,
        jwks_url: str | None = None,
        admin_group: str = "admins",
        fetch: Fetch = fetch_json,
        refresh_cooldown_s: float = 30.0,
        leeway_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not user_pool_id or not client_id:
            raise ValueError("a Cognito user pool id and app client id are required")
        self.issuer = issuer_for(region, user_pool_id)
        self._client_id = client_id
        self._jwks_url = jwks_url or f"{self.issuer}/.well-known/jwks.json"
        self._admin_group = admin_group
        self._fetch = fetch
        self._cooldown = refresh_cooldown_s
        self._leeway = leeway_s
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._fetched_at = float("-inf")
        self._clock = clock
        self._failures = 0  # consecutive failed fetches
        self._retry_at = float("-inf")  # no fetch before this after a failure (backoff)
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The caller named by a valid access token; ``Unauthorized`` otherwise."""
        try:
            head, body, signature = token.split(".")
            header, claims = _json_object(head), _json_object(body)
            signed, sig = f"{head}.{body}".encode("ascii"), _b64decode(signature)
        except (ValueError, binascii.Error, UnicodeError):
            raise Unauthorized("malformed token") from None
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise Unauthorized("unsupported token algorithm")
        try:
            self._key(header["kid"]).verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise Unauthorized("invalid token signature") from None
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        now = time.time()
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not _is_number(exp) or now > exp + self._leeway:
            raise Unauthorized("the token has expired")
        if not _is_number(nbf) or now < nbf - self._leeway:
            raise Unauthorized("the token is not valid yet")
        if claims.get("iss") != self.issuer:
            raise Unauthorized("the token was issued by another user pool")
        if claims.get("token_use") != "access":
            raise Unauthorized("an access token is required")
        if claims.get("client_id") != self._client_id:
            raise Unauthorized("the token was issued to another client")
        sub, groups = claims.get("sub"), claims.get("cognito:groups") or []
        if not isinstance(sub, str) or not isinstance(groups, list):
            raise Unauthorized("malformed token claims")
        try:
            return Principal(
                validate_user_id(sub), self._admin_group in groups, valid_groups(groups)
            )
        except BadRequest:
            raise Unauthorized("the token names an invalid user id") from None

    def _key(self, kid: str) -> rsa.RSAPublicKey:
        with self._lock:
            now = self._clock()
            if (
                kid not in self._keys
                and now - self._fetched_at >= self._cooldown
                and now >= self._retry_at
            ):
                self._refresh()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("unknown signing key")
        return key

    def _refresh(self) -> None:
        try:
            jwks = self._fetch(self._jwks_url)
            keys = {str(k["kid"]): rsa_key(k) for k in jwks.get("keys", []) if k.get("kid")}
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            # Back off (1 s, 2 s, 4 s ... up to a minute) instead of fetching on every request
            # while the endpoint fails.
            self._failures += 1
            delay = min(MAX_BACKOFF_S, 2.0 ** (self._failures - 1))
            self._retry_at = self._clock() + delay
            raise Unauthorized("the signing keys could not be fetched") from exc
        self._failures = 0
        self._fetched_at = self._clock()
        self._keys = {kid: key for kid, key in keys.items() if key is not None}


def token_username(token: str) -> str | None:
    """The ``username`` claim of a token that ``verify`` has accepted (for the per-question
    group lookup, which the pool answers by user name; issue 15)."""
    try:
        name = _json_object(token.split(".")[1]).get("username")
    except (ValueError, IndexError, binascii.Error, UnicodeError):
        return None
    return name if isinstance(name, str) and 0 < len(name) <= 128 else None


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cognito_identity(settings: Any) -> CognitoIdentity:
    """The identity configured by ``Settings`` (typed loosely so this module stays light)."""
    return CognitoIdentity(
        region=settings.aws_region,
        user_pool_id=settings.cognito_user_pool_id,
        client_id=settings.cognito_client_id,
        jwks_url=settings.cognito_jwks_url,
        admin_group=settings.cognito_admin_group,
    )
