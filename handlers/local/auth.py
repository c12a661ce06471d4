"""Local sign-in: the identity built from settings, and ``POST /auth/dev-login``.

On a loopback bind any valid user name signs in (a laptop's only user is its owner). Bound to
any other address, configured passwords are required, compared in constant time."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from handlers.local.limits import SignInThrottle
from service.adapters.local_identity import (
    LocalIdentity,
    check_password,
    parse_passwords,
)
from service.config import Settings
from service.errors import ErrorCode, Unauthorized
from service.models import ErrorBody
from service.ports import Identity, Principal

log = logging.getLogger(__name__)


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


def configured_passwords(settings: Settings) -> dict[str, str] | None:
    """``RAG_LOCAL_PASSWORDS`` and ``RAG_LOCAL_PASSWORDS_FILE`` merged; None if neither is set."""
    if settings.local_passwords is None and settings.local_passwords_file is None:
        return None
    text = settings.local_passwords.get_secret_value() if settings.local_passwords else ""
    if settings.local_passwords_file is not None:
        text += "\n" + settings.local_passwords_file.read_text(encoding="utf-8")
    return parse_passwords(text)


class PasswordBook:
    """The configured passwords, loaded again at most every ``reload_s`` seconds, so a person
    removed from the list is refused (sign-in and every token) without a restart."""

    def __init__(
        self,
        load: Callable[[], dict[str, str] | None],
        *,
        reload_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self._reload_s, self._clock = load, reload_s, clock
        self._lock = threading.Lock()
        self._passwords = load()
        self._loaded_at = clock()

    def current(self) -> dict[str, str] | None:
        """The passwords (None: none configured, any user name signs in)."""
        with self._lock:
            if self._clock() - self._loaded_at >= self._reload_s:
                try:
                    self._passwords = self._load()
                except (OSError, ValueError):  # unreadable: nobody, until it is readable
                    log.warning("the password file could not be read; refusing every user")
                    self._passwords = {}
                self._loaded_at = self._clock()
            return self._passwords

    def allows(self, user_id: str) -> bool:
        """Whether ``user_id`` may still hold a token."""
        passwords = self.current()
        return passwords is None or user_id in passwords


class GatedIdentity:
    """An identity whose tokens are valid only while their user is still allowed."""

    def __init__(self, inner: Identity, allows: Callable[[str], bool]) -> None:
        self._inner, self._allows = inner, allows

    def verify(self, token: str) -> Principal:
        """The caller, or ``Unauthorized`` (also once their password has been removed)."""
        who = self._inner.verify(token)
        if not self._allows(who.user_id):
            raise Unauthorized("invalid or expired token")
        return who


def add_login_route(
    app: FastAPI,
    identity: LocalIdentity,
    *,
    passwords: dict[str, str] | PasswordBook | None,
    throttle: SignInThrottle | None = None,
) -> None:
    """``POST /auth/dev-login``; ``passwords=None`` means any user name signs in. With
    passwords, ``throttle`` bounds guessing per client address and per user name."""
    book = (
        passwords
        if isinstance(passwords, PasswordBook)
        else PasswordBook(lambda: passwords, reload_s=float("inf"))
    )

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
        current = book.current()
        if current is not None and throttle is not None:
            throttle.check(request.client.host if request.client else "?", body.username)
        if current is not None and not check_password(current, body.username, body.password or ""):
            raise Unauthorized("wrong user name or password")
        token = identity.issue(body.username)
        return TokenResponse(access_token=token, expires_in=identity.ttl_s, user_id=body.username)
