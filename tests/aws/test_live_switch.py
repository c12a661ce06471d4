"""Warm Lambdas follow a table switch on moto's S3: the ingest and chat worker handlers'
cached services read and write the newly active table on their next call, no cold start."""

from __future__ import annotations

import time

from handlers.aws import chat_worker, ingest
from service.catalog import activate, active_table_name
from service.lance_table import open_table
from service.wiring import Services, open_db
from tests.aws.conftest import CATALOG_CHECK_S, Stack


def active_name(services: Services) -> str:
    services.store.count()  # any use of the store follows a switch
    return str(services.store.table.name)


def test_warm_handlers_follow_a_switch_and_back(stack: Stack) -> None:
    warm = [ingest._services(), chat_worker._services()]
    settings = warm[0].settings
    db = open_db(settings)
    old = active_table_name(db, settings.table_name)
    model_id, dim = warm[0].store.model_id, warm[0].store.dim
    assert [active_name(s) for s in warm] == [old, old]
    before = warm[1].store.count()
    try:
        open_table(db, "chunks-switched", model_id=model_id, dim=dim)  # an empty rebuild
        activate(db, "chunks-switched", model_id=model_id, dim=dim)
        time.sleep(CATALOG_CHECK_S + 0.2)
        assert [active_name(s) for s in warm] == ["chunks-switched"] * 2
        assert warm[1].store.count() == 0  # chat reads the new table
    finally:
        activate(db, old, model_id=model_id, dim=dim)  # later tests use the original table
        time.sleep(CATALOG_CHECK_S + 0.2)
    assert [active_name(s) for s in warm] == [old, old]
    assert warm[1].store.count() == before
