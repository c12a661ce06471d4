"""Per-owner keyword statistics on LanceDB over S3 (moto): another person's rows change
nothing in one person's keyword results."""

from __future__ import annotations

import uuid

from service.adapters.aws_clients import lancedb_storage_options
from service.lance_table import connect, open_table
from service.vectors import ChunkStore
from tests.aws.conftest import Stack
from tests.core.test_keyword_isolation import check_store_isolation


def test_keyword_scores_are_per_owner_on_s3(stack: Stack) -> None:
    settings = stack.settings()
    uri = f"{settings.resolved_lancedb_uri}-keywords-{uuid.uuid4().hex[:6]}"
    db = connect(uri, storage_options=lancedb_storage_options(settings))
    check_store_isolation(ChunkStore(open_table(db, "chunks", model_id="t", dim=8)))
