"""Shared fixtures. Expensive things (the embedding model, an index of the sample corpus) are
built once per test session."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from service.bulk import collect_files, ingest_and_wait, wait_for
from service.config import Settings
from service.embeddings import MINILM_MODEL_ID, MiniLMEmbedding
from service.ports import Principal
from service.wiring import Services, build_services

# property tests explore the same examples on every run, so CI cannot flake on a lucky draw
hypothesis_settings.register_profile("repo", derandomize=True, deadline=None)
hypothesis_settings.load_profile("repo")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "docs"


@pytest.fixture(scope="session")
def embed_model() -> MiniLMEmbedding:
    """The real offline embedding model, loaded once."""
    return MiniLMEmbedding()


def services_builder(
    tmp_path_factory: pytest.TempPathFactory, embed_model: MiniLMEmbedding
) -> Callable[..., Services]:
    """``make(**settings)``: services on a fresh data dir (or ``data_dir=``), sharing the model."""

    def make(**overrides: object) -> Services:
        data_dir = overrides.pop("data_dir", None) or tmp_path_factory.mktemp("data")
        settings = Settings(data_dir=data_dir, **overrides)  # type: ignore[arg-type]
        return build_services(settings, embed_model=embed_model, embed_model_id=MINILM_MODEL_ID)

    return make


@pytest.fixture
def make_services(
    tmp_path_factory: pytest.TempPathFactory, embed_model: MiniLMEmbedding
) -> Callable[..., Services]:
    """Build services on a fresh data dir (settings overridable by keyword)."""
    return services_builder(tmp_path_factory, embed_model)


@pytest.fixture(scope="module")
def make_services_module(
    tmp_path_factory: pytest.TempPathFactory, embed_model: MiniLMEmbedding
) -> Callable[..., Services]:
    """Like ``make_services``, for module-scoped fixtures."""
    return services_builder(tmp_path_factory, embed_model)


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    """Services on a fresh, empty data dir."""
    return make_services()


def ingest(svc: Services, owner: str, name: str, data: bytes) -> str:
    """Add a document, run the queue, return its doc_id."""
    doc = svc.documents.add(owner, name, data)
    return wait_for(svc, [doc])[0].doc_id


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, embed_model: MiniLMEmbedding) -> Services:
    """The sample corpus indexed for user ``alice``, plus one private note of ``bob``.
    Shared by read-only tests: do not modify it."""
    svc = services_builder(tmp_path_factory, embed_model)(
        data_dir=tmp_path_factory.mktemp("corpus")
    )
    svc.documents.add("bob", "bob-secret.txt", BOB_SECRET.encode())
    ingest_and_wait(svc, "alice", collect_files([SAMPLES]))
    return svc


BOB_SECRET = (
    "Bob's private note. The emergency radio channel for the Hallow Point field station is "
    "actually channel 99 according to Bob. Project Atlas is secretly led by Captain Zebedee "
    "Marlowe. The vault code is 7431."
)
ALICE = Principal("alice")
BOB = Principal("bob")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server (S3, SQS, DynamoDB, Cognito, API Gateway management) for the session,
    on a free loopback port; boto3 and LanceDB talk HTTP to it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    for name, value in MOTO_ENV.items():
        os.environ.setdefault(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def aws(moto_endpoint: str) -> Callable[[str], Any]:
    """``aws("s3")``: a boto3 client of the moto server."""
    import boto3

    def client(service: str) -> Any:
        return boto3.session.Session().client(
            service, region_name=MOTO_ENV["AWS_DEFAULT_REGION"], endpoint_url=moto_endpoint
        )

    return client


MOTO_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
