"""Publishing the web app: config.json from the stack outputs, the zip, and Amplify's manual
deployment flow (create, PUT to the upload URL over loopback HTTP, start, poll)."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from infra.publish_web import build_zip, deploy, merged_outputs, web_config
from tests.infra.conftest import Synth

OUTPUTS = {
    "RagWeb": {"AmplifyAppId": "d1abc", "AmplifyBranch": "main", "WebUrl": "https://main.d1abc"},
    "RagAuth": {"UserPoolId": "eu-west-1_AbC", "UserPoolClientId": "client123"},
    "RagApi": {
        "HttpApiUrl": "https://h1.execute-api.eu-west-1.amazonaws.com/",
        "WebSocketUrl": "wss://w1.execute-api.eu-west-1.amazonaws.com/prod",
        "Region": "eu-west-1",
    },
    "RagData": {"BucketName": "b"},
}


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "cdk-outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


def test_config_json_has_the_design_shape(outputs_file: Path) -> None:
    assert web_config(merged_outputs(outputs_file)) == {
        "mode": "aws",
        "apiUrl": "https://h1.execute-api.eu-west-1.amazonaws.com",
        "wsUrl": "wss://w1.execute-api.eu-west-1.amazonaws.com/prod",
        "auth": {
            "type": "cognito",
            "region": "eu-west-1",
            "userPoolId": "eu-west-1_AbC",
            "userPoolClientId": "client123",
        },
    }


def test_every_output_the_publisher_reads_is_declared_by_the_stacks(synth: Synth) -> None:
    declared = {k for t in synth.templates.values() for k in t.get("Outputs", {})}
    assert {k for stack in OUTPUTS.values() for k in stack} <= declared


def _dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (dist / "config.json").write_text('{"mode": "local"}')  # a dev build's local config
    return dist


def test_zip_carries_the_app_and_the_aws_config(tmp_path: Path, outputs_file: Path) -> None:
    config = web_config(merged_outputs(outputs_file))
    archive = zipfile.ZipFile(io.BytesIO(build_zip(_dist(tmp_path), config)))
    assert sorted(archive.namelist()) == ["assets/app.js", "config.json", "index.html"]
    assert json.loads(archive.read("config.json")) == config


def test_zip_refuses_an_unbuilt_app(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="npm run build"):
        build_zip(tmp_path, {})


class _Uploads(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_PUT(self) -> None:
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def upload_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Uploads)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/upload"
    server.shutdown()


class FakeAmplify:
    """The three Amplify calls of a manual deployment, recording what it was asked."""

    def __init__(self, upload_url: str) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.upload_url = upload_url

    def create_deployment(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("create", kw))
        return {"jobId": "7", "zipUploadUrl": self.upload_url}

    def start_deployment(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("start", kw))
        return {}

    def get_job(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("get", kw))
        return {"job": {"summary": {"status": "SUCCEED"}}}


def test_deploy_uploads_then_starts_the_job(upload_server: str) -> None:
    client = FakeAmplify(upload_server)
    _Uploads.received.clear()
    assert deploy(client, "d1abc", "main", b"zip-bytes") == "SUCCEED"
    assert _Uploads.received == [b"zip-bytes"]
    assert [c[0] for c in client.calls] == ["create", "start", "get"]
    assert client.calls[1][1] == {"appId": "d1abc", "branchName": "main", "jobId": "7"}
