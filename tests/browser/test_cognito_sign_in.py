"""Cognito sign-in in the browser: Amplify Auth (user-password flow) against moto's Cognito user
pool, then the real REST API and chat socket verifying the access token with ``CognitoIdentity``
against moto's JWKS. What moto cannot show (SRP end to end, MFA, refresh) is listed in
frontend/README.md."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from handlers.api import create_api
from handlers.local.ws import add_chat_route
from service.adapters.cognito_identity import CognitoIdentity
from service.models import Document, UploadTarget
from service.wiring import Services
from tests.browser.test_web_app import (
    FRONTEND,
    _free_port,
    _wait_up,
    run_browser_script,
)

# moto picks the region of an unsigned request (InitiateAuth) as us-east-1.
REGION = "us-east-1"
USERNAME = "carol"
PASSWORD = "Correct-Horse-9!"


@pytest.fixture(scope="module")
def moto_url(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto in server mode on a free loopback port (its CORS lets the browser call it)."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{url}/moto-api/", proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _user_pool(moto_url: str) -> dict[str, str]:
    """A pool, an SRP-enabled app client and a confirmed admin user."""
    idp = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool = idp.create_user_pool(PoolName="rag-e2e")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="web",
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username=USERNAME, MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool, Username=USERNAME, Password=PASSWORD, Permanent=True
    )
    idp.create_group(UserPoolId=pool, GroupName="admins")
    idp.admin_add_user_to_group(UserPoolId=pool, Username=USERNAME, GroupName="admins")
    return {"pool": pool, "client": client}


def _no_uploads(_doc: Document, _base: str) -> UploadTarget:
    raise AssertionError("this test does not upload")


def _app(services: Services, moto_url: str, pool: dict[str, str]) -> FastAPI:
    """The shared REST API and chat socket with the Cognito identity, plus the web app."""
    identity = CognitoIdentity(
        region=REGION,
        user_pool_id=pool["pool"],
        client_id=pool["client"],
        jwks_url=f"{moto_url}/{pool['pool']}/.well-known/jwks.json",
    )
    app = create_api(services, identity, upload_target=_no_uploads)
    app.state.chat_executor = ThreadPoolExecutor(1)
    add_chat_route(app, services, identity)

    @app.get("/config.json", include_in_schema=False)
    def config() -> JSONResponse:
        base = f"http://127.0.0.1:{app.state.port}"
        auth: dict[str, Any] = {
            "type": "cognito",
            "region": REGION,
            "userPoolId": pool["pool"],
            "userPoolClientId": pool["client"],
            "endpoint": moto_url,
            # moto 5.2 cannot complete SRP: RespondToAuthChallenge looks USER_ID_FOR_SRP up as
            # a user name ("User does not exist") and never checks the proof. The password flow
            # is checked for real (a wrong password is refused).
            "authFlow": "USER_PASSWORD_AUTH",
        }
        body = {"mode": "aws", "apiUrl": base, "wsUrl": f"ws{base[4:]}/ws", "auth": auth}
        return JSONResponse(body)

    app.mount("/", StaticFiles(directory=FRONTEND / "dist", html=True))
    return app


def _serve(app: FastAPI) -> tuple[str, Callable[[], None]]:
    port = _free_port()
    app.state.port = port
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


def test_cognito_sign_in_in_the_browser(services: Services, moto_url: str) -> None:
    pool = _user_pool(moto_url)
    base, stop = _serve(_app(services, moto_url, pool))
    try:
        assert httpx.get(f"{base}/me").status_code == 401
        env = {
            "BASE_URL": base,
            "COGNITO_URL": moto_url,
            "COGNITO_USERNAME": USERNAME,
            "COGNITO_PASSWORD": PASSWORD,
        }
        result = run_browser_script("cognito.mjs", env, timeout=180)
    finally:
        stop()
    print(json.dumps(result, indent=2))
