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


def create_tables(
    client: Any,
    *,
    registry_table: str,
    connections_table: str,
    conversations_table: str | None = None,
) -> None:
    """Create the tables and enable TTL (tests and local tooling; AWS uses the CDK app)."""
    client.create_table(**registry_table_definition(registry_table))
    client.create_table(**connections_table_definition(connections_table))
    client.update_time_to_live(
        TableName=connections_table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTR},
    )
    if conversations_table:
        create_conversations_table(client, conversations_table)


# --- conversations (issue 15) ----------------------------------------------------------------
# Conversations table: partition key ``owner``, sort key ``sk``, so every read is scoped to
# its owner by the key itself (another person's id finds nothing). Items:
#   ``c#{id}``           the conversation (title, times, turn_count; ``updated_key`` for
#                        the sparse GSI ``by_updated`` (``owner``, ``updated_key``): listing
#                        newest first)
#   ``c#{id}#t#{n:05d}`` one turn (its JSON in ``body``); once rated it carries ``fb_all`` and
#                        ``fb_key`` for the sparse GSI ``feedback_by_time``: the admins' export
#                        (one constant partition: fine for a rare export)
# ``expires_at`` (TTL) on every item: a conversation's from its last turn, a turn's from its own.

CONVERSATIONS_PK = OWNER_ATTR
CONVERSATIONS_SK = "sk"
UPDATED_INDEX = "by_updated"
UPDATED_KEY = "updated_key"
FEEDBACK_INDEX = "feedback_by_time"
FEEDBACK_ATTR = "fb_all"
FEEDBACK_KEY = "fb_key"


def conversations_table_definition(table_name: str) -> dict[str, Any]:
    """``CreateTable`` arguments of the conversations table; enable TTL on ``TTL_ATTR``."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": CONVERSATIONS_PK, "KeyType": "HASH"},
            {"AttributeName": CONVERSATIONS_SK, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in (
                CONVERSATIONS_PK,
                CONVERSATIONS_SK,
                UPDATED_KEY,
                FEEDBACK_ATTR,
                FEEDBACK_KEY,
            )
        ],
        "GlobalSecondaryIndexes": [
            _gsi(UPDATED_INDEX, CONVERSATIONS_PK, UPDATED_KEY),
            _gsi(FEEDBACK_INDEX, FEEDBACK_ATTR, FEEDBACK_KEY),
        ],
    }


def create_conversations_table(client: Any, table_name: str) -> None:
    """Create the conversations table with TTL on (tests and local tooling)."""
    client.create_table(**conversations_table_definition(table_name))
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTR},
    )
