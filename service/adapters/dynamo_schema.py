"""DynamoDB key design, defined once: the adapters and the CDK app both import it.

Registry table (one item per document):
    partition key ``doc_id``; GSI ``by_owner`` (``owner``, ``created_key``) lists one owner's
    documents newest first; GSI ``by_created`` (``all_docs``, ``created_key``) lists every
    owner's (admin scope; one constant partition: fine for an admin listing, which is rare).
    ``created_key`` is ``{created_at ISO}#{doc_id}``, so it sorts by time and is unique.

    Sharing (issue 15): one extra item per (group, document), partition key
    ``share#{group}#{doc_id}`` (no ``owner``/``all_docs``, so the listing indexes never see it),
    in the sparse GSI ``by_group`` (``share_group``, ``shared_doc``, keys only): the documents
    shared with a group are one Query, never a scan. The document item keeps ``shared_with``.

Connections table (one item per open WebSocket, plus short-lived cancel flags):
    partition key ``pk`` (``conn#{connection_id}`` or ``cancel#{connection_id}#{request_id}``);
    GSI ``by_owner`` (``owner``) finds a user's connections; ``expires_at`` is the TTL attribute
    (DynamoDB deletes expired items within about a day, so readers also check it).
"""

from __future__ import annotations

from typing import Any

REGISTRY_PK = "doc_id"
OWNER_INDEX = "by_owner"
ALL_INDEX = "by_created"
OWNER_ATTR = "owner"
CREATED_KEY = "created_key"
ALL_ATTR = "all_docs"
ALL_VALUE = "ALL"
SHARE_INDEX = "by_group"
SHARE_GROUP_ATTR = "share_group"
SHARED_DOC_ATTR = "shared_doc"


def share_key(group: str, doc_id: str) -> str:
    """The partition key of one (group, document) share item ('#' is in neither name)."""
    return f"share#{group}#{doc_id}"


CONNECTIONS_PK = "pk"
CONNECTIONS_OWNER_INDEX = "by_owner"
TTL_ATTR = "expires_at"


def _gsi(
    name: str, hash_key: str, range_key: str | None = None, projection: str = "ALL"
) -> dict[str, Any]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": keys, "Projection": {"ProjectionType": projection}}


def registry_table_definition(table_name: str) -> dict[str, Any]:
    """``CreateTable`` arguments of the registry (on-demand billing)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": REGISTRY_PK, "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in (
                REGISTRY_PK,
                OWNER_ATTR,
                CREATED_KEY,
                ALL_ATTR,
                SHARE_GROUP_ATTR,
                SHARED_DOC_ATTR,
            )
        ],
        "GlobalSecondaryIndexes": [
            _gsi(OWNER_INDEX, OWNER_ATTR, CREATED_KEY),
            _gsi(ALL_INDEX, ALL_ATTR, CREATED_KEY),
            _gsi(SHARE_INDEX, SHARE_GROUP_ATTR, SHARED_DOC_ATTR, "KEYS_ONLY"),
        ],
    }


def connections_table_definition(table_name: str) -> dict[str, Any]:
    """``CreateTable`` arguments of the connections table; enable TTL on ``TTL_ATTR``."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": CONNECTIONS_PK, "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": CONNECTIONS_PK, "AttributeType": "S"},
            {"AttributeName": OWNER_ATTR, "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [_gsi(CONNECTIONS_OWNER_INDEX, OWNER_ATTR)],
    }


def create_tables(client: Any, *, registry_table: str, connections_table: str) -> None:
    """Create both tables and enable TTL (tests and local tooling; AWS uses the CDK app)."""
    client.create_table(**registry_table_definition(registry_table))
    client.create_table(**connections_table_definition(connections_table))
    client.update_time_to_live(
        TableName=connections_table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTR},
    )
