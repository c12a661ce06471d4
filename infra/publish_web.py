"""Publish the built web app to Amplify Hosting with a ``config.json`` made from the stack outputs.

    python -m infra.publish_web --outputs infra/cdk-outputs.json --dist frontend/dist

Reads the file ``cdk deploy --outputs-file`` wrote, writes ``config.json`` (DESIGN.md: mode aws,
API and WebSocket URLs, the Cognito pool) beside ``index.html``, zips the directory and runs
Amplify's manual deployment (``create-deployment``, upload, ``start-deployment``).
"""

from __future__ import annotations

import argparse
import io
import json
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

_TERMINAL = {"SUCCEED", "FAILED", "CANCELLED"}


def merged_outputs(outputs_file: Path) -> dict[str, str]:
    """Every stack's outputs in one mapping (output names are unique across the stacks)."""
    per_stack: dict[str, dict[str, str]] = json.loads(outputs_file.read_text())
    merged: dict[str, str] = {}
    for outputs in per_stack.values():
        merged.update(outputs)
    return merged


def web_config(outputs: dict[str, str]) -> dict[str, Any]:
    """The web app's ``config.json`` for AWS mode."""
    return {
        "mode": "aws",
        "apiUrl": outputs["HttpApiUrl"].rstrip("/"),
        "wsUrl": outputs["WebSocketUrl"],
        "auth": {
            "type": "cognito",
            "region": outputs["Region"],
            "userPoolId": outputs["UserPoolId"],
            "userPoolClientId": outputs["UserPoolClientId"],
        },
    }


def build_zip(dist: Path, config: dict[str, Any]) -> bytes:
    """``dist`` with ``config.json`` (replacing any local one), zipped for Amplify."""
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} has no index.html: build the web app first (npm run build)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in dist.rglob("*") if p.is_file()):
            name = path.relative_to(dist).as_posix()
            if name != "config.json":
                archive.write(path, name)
        archive.writestr("config.json", json.dumps(config, indent=2) + "\n")
    return buffer.getvalue()


def upload(url: str, data: bytes) -> None:
    """PUT the zip to Amplify's presigned upload URL."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError("refusing a non-HTTPS upload URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, method="PUT", headers={"Content-Type": "application/zip"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"upload failed with HTTP {response.status}")


def deploy(client: Any, app_id: str, branch: str, data: bytes, *, wait_s: float = 600.0) -> str:
    """Run one manual Amplify deployment; returns the job's final status."""
    job = client.create_deployment(appId=app_id, branchName=branch)
    upload(job["zipUploadUrl"], data)
    client.start_deployment(appId=app_id, branchName=branch, jobId=job["jobId"])
    deadline = time.monotonic() + wait_s
    while True:
        status = str(
            client.get_job(appId=app_id, branchName=branch, jobId=job["jobId"])["job"]["summary"][
                "status"
            ]
        )
        if status in _TERMINAL or time.monotonic() > deadline:
            return status
        time.sleep(5)


def main(argv: list[str] | None = None) -> None:
    """Command line: write config.json, zip, deploy (or only write the zip with --zip-only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=Path, default=Path("infra/cdk-outputs.json"))
    parser.add_argument("--dist", type=Path, default=Path("frontend/dist"))
    parser.add_argument("--zip-only", type=Path, help="write the zip here instead of deploying")
    args = parser.parse_args(argv)
    outputs = merged_outputs(args.outputs)
    data = build_zip(args.dist, web_config(outputs))
    if args.zip_only:
        args.zip_only.write_bytes(data)
        return
    import boto3

    client = boto3.client("amplify", region_name=outputs["Region"])
    status = deploy(client, outputs["AmplifyAppId"], outputs["AmplifyBranch"], data)
    print(f"Amplify deployment: {status} -> {outputs['WebUrl']}")
    if status != "SUCCEED":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
