"""Local identity: HS256 access tokens signed with a secret generated once into the data dir.

Tokens carry the same claims as Cognito access tokens (``iss``, ``client_id``, ``token_use``,
``sub``, ``exp``) plus ``aud``, and verification checks every one of them with the algorithm
fixed, so the rest of the service cannot tell the two identities apart.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Collection, Mapping
from pathlib import Path

import jwt

from service.errors import Unauthorized
from service.naming import validate_user_id
from service.ports import Principal

ALGORITHM = "HS256"
SECRET_BYTES = 32
ACCESS = "access"  # the token_use of access tokens (Cognito's value)


def load_or_create_secret(path: Path) -> bytes:
    """The secret in ``path``, created (mode 0600, never overwritten) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes().strip()
        if len(secret) < SECRET_BYTES:
            raise ValueError(
                f"the secret in {path} is too short; delete it to regenerate"
            ) from None
        return secret
    secret = secrets.token_hex(SECRET_BYTES).encode()
    with os.fdopen(fd, "wb") as out:
        out.write(secret)
    return secret


class LocalIdentity:
    """Issues and verifies the local server's access tokens (implements ``Identity``)."""

    def __init__(
        self,
        secret: bytes,
        *,
        issuer: str,
        client_id: str,
        admins: Collection[str] = (),
        ttl_s: int = 8 * 3600,
        groups: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self._key = hmac.new(secret, b"access-token", "sha256").digest()
        self.issuer = issuer
        self.client_id = client_id
        self.ttl_s = ttl_s
        self._admins = frozenset(admins)
        self._groups = dict(groups or {})  # user -> groups (RAG_LOCAL_GROUPS)

    def issue(self, user_id: str, *, ttl_s: int | None = None) -> str:
        """A signed access token for ``user_id``."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "client_id": self.client_id,
            "token_use": ACCESS,
            "sub": validate_user_id(user_id),
            "iat": now,
            "exp": now + (self.ttl_s if ttl_s is None else ttl_s),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The caller named by a valid token; ``Unauthorized`` otherwise (no detail leaked)."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub", "token_use", "client_id"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid or expired token") from exc
        if claims["token_use"] != ACCESS or claims["client_id"] != self.client_id:
            raise Unauthorized("invalid or expired token")
        user_id = claims["sub"]
        if not isinstance(user_id, str):
            raise Unauthorized("invalid or expired token")
        return Principal(
            user_id=user_id,
            is_admin=user_id in self._admins,
            groups=self._groups.get(user_id, frozenset()),
        )


def parse_passwords(text: str) -> dict[str, str]:
    """``user:password`` pairs separated by commas or new lines (blank lines, ``#`` skipped)."""
    out: dict[str, str] = {}
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        user, sep, password = item.partition(":")
        if not sep or not user.strip() or not password:
            raise ValueError("passwords must be given as user:password")
        out[validate_user_id(user.strip())] = password
    return out


def check_password(passwords: Mapping[str, str], user: str, password: str) -> bool:
    """Whether ``password`` is ``user``'s, compared in constant time (unknown users too)."""
    expected = passwords.get(user)
    ok = hmac.compare_digest(
        (expected or secrets.token_hex(16)).encode(), password.encode("utf-8", "replace")
    )
    return ok and expected is not None
