"""Sharing with groups in the CDK app (issue 15): the registry's ``by_group`` index (keys only),
the chat worker may only read the registry through it, the admin API may query it."""

from __future__ import annotations

from service.adapters import dynamo_schema as schema
from tests.infra.conftest import Synth
from tests.infra.helpers import grants


def test_the_registry_has_the_sparse_keys_only_group_index(synth: Synth) -> None:
    (table,) = [
        t["Properties"]
        for t in synth.resources("data", "AWS::DynamoDB::Table").values()
        if any(k["AttributeName"] == schema.REGISTRY_PK for k in t["Properties"]["KeySchema"])
    ]
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    group = indexes[schema.SHARE_INDEX]
    assert [k["AttributeName"] for k in group["KeySchema"]] == [
        schema.SHARE_GROUP_ATTR,
        schema.SHARED_DOC_ATTR,
    ]
    assert group["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_the_chat_worker_reads_shares_and_writes_nothing_in_the_registry(synth: Synth) -> None:
    worker = "handlers.aws.chat_worker.handler"
    queried = grants(synth, worker, "dynamodb:Query")
    registry = [q for q in queried if "Registry" in q]
    assert registry and all(
        f"/index/{schema.SHARE_INDEX}" in q or "/index/" not in q for q in registry
    )
    assert any(f"/index/{schema.SHARE_INDEX}" in q for q in registry)
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"):
        assert not any("Registry" in g for g in grants(synth, worker, action)), action
    admin = grants(synth, "handlers.aws.admin.handler", "dynamodb:Query")
    assert any(f"/index/{schema.SHARE_INDEX}" in q for q in admin)


def test_the_chat_worker_may_list_groups_of_this_pool_only(synth: Synth) -> None:
    (pool,) = grants(
        synth, "handlers.aws.chat_worker.handler", "cognito-idp:AdminListGroupsForUser"
    )
    assert "Users" in pool and "Arn" in pool and "*" not in pool  # the pool's exported ARN
    for handler in ("handlers.aws.admin.handler", "handlers.aws.ws_authorizer.handler"):
        assert grants(synth, handler, "cognito-idp:AdminListGroupsForUser") == []
    # and whether the asker was disabled since their WebSocket opened (issue 13)
    assert grants(synth, "handlers.aws.chat_worker.handler", "cognito-idp:AdminGetUser") == [pool]
