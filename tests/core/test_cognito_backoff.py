"""A failing Cognito key-set endpoint is retried with backoff, not on every request."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from service.adapters.cognito_identity import CognitoIdentity
from service.errors import Unauthorized


def _token(kid: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': kid})}.{part({'sub': 'x'})}.c2ln"


def test_failed_key_set_fetch_is_retried_with_backoff() -> None:
    now = [1000.0]
    calls: list[str] = []

    def failing(url: str) -> dict[str, Any]:
        calls.append(url)
        raise OSError("connection refused")

    identity = CognitoIdentity(
        region="us-east-1",
        user_pool_id="pool",
        client_id="client",
        fetch=failing,
        clock=lambda: now[0],
    )
    for _ in range(50):  # a burst of requests while the endpoint is down
        with pytest.raises(Unauthorized):
            identity.verify(_token("k1"))
    assert len(calls) == 1
    waits = []
    for _ in range(8):
        before = len(calls)
        waited = 0.0
        while len(calls) == before:
            now[0] += 0.5
            waited += 0.5
            with pytest.raises(Unauthorized):
                identity.verify(_token("k1"))
        waits.append(waited)
    assert waits == sorted(waits) and waits[0] <= 2 and waits[-1] > 16  # grows ...
    assert max(waits) <= 60  # ... up to a cap


def test_key_set_recovers_after_backoff() -> None:
    now = [0.0]
    state = {"up": False}

    def fetch(url: str) -> dict[str, Any]:
        if not state["up"]:
            raise OSError("down")
        return {"keys": []}

    identity = CognitoIdentity(
        region="us-east-1", user_pool_id="p", client_id="c", fetch=fetch, clock=lambda: now[0]
    )
    with pytest.raises(Unauthorized):
        identity.verify(_token("k"))
    state["up"] = True
    now[0] += 120
    with pytest.raises(Unauthorized, match="unknown signing key"):
        identity.verify(_token("k"))
