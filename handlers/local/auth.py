"""Local sign-in: the identity built from settings, and ``POST /auth/dev-login``.

On a loopback bind any valid user name signs in (a laptop's only user is its owner). Bound to
any other address, configured passwords are required, compared in constant time."""

from __future__ import annotations

import ipaddress
from typing import Literal

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from handlers.local.limits import SignInThrottle
from service.adapters.local_identity import (
    LocalIdentity,
    check_password,
    load_or_create_secret,
    parse_passwords,
)
from service.config import Settings
from service.errors import ErrorCode, Unauthorized
from service.models import ErrorBody


class DevLoginRequest(BaseModel):
    """Body of ``POST /auth/dev-login``."""

    username: str = Field(min_length=1, max_length=128)
    password: str | None = Field(default=None, max_length=1024)


class TokenResponse(BaseModel):
    """A signed-in session's access token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - not a secret
    expires_in: int
    user_id: str


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_identity(settings: Settings) -> tuple[LocalIdentity, bytes]:
    """The local identity and the server secret (created in the data dir on first start)."""
    secret = load_or_create_secret(settings.resolved_secret_file)
    identity = LocalIdentity(
        secret,
        issuer=settings.token_issuer,
        client_id=settings.token_client_id,
        admins=settings.admins,
        ttl_s=settings.token_ttl_s,
    )
    return identity, secret


def configured_passwords(settings: Settings) -> dict[str, str] | None:
    """``RAG_LOCAL_PASSWORDS`` and ``RAG_LOCAL_PASSWORDS_FILE`` merged; None if neither is set."""
    if settings.local_passwords is None and settings.local_passwords_file is None:
        return None
    text = settings.local_passwords.get_secret_value() if settings.local_passwords else ""
    if settings.local_passwords_file is not None:
        text += "\n" + settings.local_passwords_file.read_text(encoding="utf-8")
    return parse_passwords(text)


def add_login_route(
    app: FastAPI,
    identity: LocalIdentity,
    *,
    passwords: dict[str, str] | None,
    throttle: SignInThrottle | None = None,
) -> None:
    """``POST /auth/dev-login``; ``passwords=None`` means any user name signs in. With
    passwords, ``throttle`` bounds guessing per client address and per user name."""

    @app.post(
        "/auth/dev-login",
        response_model=TokenResponse,
        tags=["auth"],
        responses={
            401: {"model": ErrorBody, "description": ErrorCode.UNAUTHORIZED.value},
            429: {"model": ErrorBody, "description": ErrorCode.RATE_LIMITED.value},
        },
    )
    def dev_login(body: DevLoginRequest, request: Request) -> TokenResponse:
        """Sign in locally and get an access token."""
        if passwords is not None and throttle is not None:
            throttle.check(request.client.host if request.client else "?", body.username)
        if passwords is not None and not check_password(
            passwords, body.username, body.password or ""
        ):
            raise Unauthorized("wrong user name or password")
        token = identity.issue(body.username)
        return TokenResponse(access_token=token, expires_in=identity.ttl_s, user_id=body.username)
