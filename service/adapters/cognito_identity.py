"""Cognito access-token verification (the ``Identity`` port on AWS).

Checks the RS256 signature against the user pool's JWKS key named by ``kid`` (cached; an
unknown ``kid`` refreshes the set once, at most every ``refresh_cooldown_s``; a failed fetch is
retried with exponential backoff, not on every request), then ``iss``,
``token_use == "access"``, ``client_id`` and expiry; then, at most once a minute per token,
that Cognito still accepts it (GetUser), so disabling a user or signing them out everywhere
ends their tokens within that minute instead of at expiry. Light to import, because the WebSocket
authorizer's cold start pays for it: no LlamaIndex, LanceDB or boto3, and the RS256 check uses
``cryptography``'s RSA primitives directly (PyJWT pulls in all of ``cryptography`` and its X.509
code: ~0.1 s more). The only algorithm is RS256; ``alg`` is checked before anything else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
import urllib.error
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
UserCheck = Callable[[str], bool]  # access token -> Cognito still accepts it
_REVOKED = {"NotAuthorizedException", "UserNotFoundException"}


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


def _require_https(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"}
    if parts.scheme != "https" and not loopback:  # plain http only for local test servers
        raise Unauthorized("Cognito URLs must use https")


def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document (the pool's JWKS)."""
    _require_https(url)
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - checked above
        data: dict[str, Any] = json.load(response)
    return data


def cognito_user_check(region: str, endpoint_url: str | None = None) -> UserCheck:
    """A ``UserCheck`` calling Cognito's GetUser with the token itself (a public API: no AWS
    credentials, no boto3). False for a disabled, deleted or signed-out user's token; other
    failures raise ``OSError``."""
    url = endpoint_url or f"https://cognito-idp.{region}.amazonaws.com/"
    _require_https(url)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser",
    }

    def check(token: str) -> bool:
        body = json.dumps({"AccessToken": token}).encode()
        request = urllib.request.Request(url, body, headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - checked above
                return True
        except urllib.error.HTTPError as exc:
            if exc.code == 400 and _error_type(exc.read()) in _REVOKED:
                return False
            raise

    return check


def _error_type(body: bytes) -> str:
    try:
        kind = json.loads(body).get("__type", "")
    except (ValueError, AttributeError):
        return ""
    return str(kind).rsplit("#", 1)[-1]


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
        user_check: UserCheck | None = None,
        user_check_s: float = 60.0,
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
        self._user_check = user_check
        self._user_check_s = user_check_s
        self._checked: dict[str, tuple[float, bool]] = {}  # token digest -> (when, accepted)

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
        principal = self._principal(claims)
        if self._user_check is not None and not self._still_accepted(token, self._user_check):
            raise Unauthorized("the user was disabled or signed out")
        return principal

    def _still_accepted(self, token: str, check: UserCheck) -> bool:
        """Cognito's answer for this token, asked at most every ``user_check_s``. While Cognito
        cannot be asked, the last answer stands (a token never checked is refused)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        with self._lock:
            last = self._checked.get(digest)
        if last is not None and now - last[0] < self._user_check_s:
            return last[1]
        try:
            accepted = check(token)
        except OSError as exc:
            if last is None:
                raise Unauthorized("the sign-in could not be checked") from exc
            accepted = last[1]
        with self._lock:
            if len(self._checked) > 10_000:  # bounded: drop the answers that are due anyway
                due = now - self._user_check_s
                self._checked = {k: v for k, v in self._checked.items() if v[0] > due}
            self._checked[digest] = (now, accepted)
        return accepted

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


def token_expiry(token: str) -> int | None:
    """The ``exp`` of a token that ``verify`` accepted (not checked again here)."""
    try:
        exp = _json_object(token.split(".")[1]).get("exp")
    except (ValueError, IndexError, binascii.Error, UnicodeError):
        return None
    return int(exp) if _is_number(exp) else None


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


def _pool_region(user_pool_id: str) -> str:
    region, sep, _ = user_pool_id.partition("_")
    return region if sep else ""


def cognito_identity(settings: Any) -> CognitoIdentity:
    """The identity configured by ``Settings`` (typed loosely so this module stays light)."""
    return CognitoIdentity(
        region=settings.aws_region,
        user_pool_id=settings.cognito_user_pool_id,
        client_id=settings.cognito_client_id,
        jwks_url=settings.cognito_jwks_url,
        admin_group=settings.cognito_admin_group,
        user_check=(
            # a pool id starts with its region ("eu-west-1_AbC"): GetUser must go there
            cognito_user_check(
                _pool_region(settings.cognito_user_pool_id) or settings.aws_region,
                settings.aws_endpoint_url,
            )
            if settings.cognito_user_check_s > 0
            else None
        ),
        user_check_s=settings.cognito_user_check_s,
    )
