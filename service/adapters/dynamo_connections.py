"""WebSocket connections and cancel flags in the DynamoDB connections table (see
``dynamo_schema``). Items carry a TTL; readers also check it, since DynamoDB deletes expired
items only eventually (and moto never does)."""

from __future__ import annotations

import time
from typing import Any

from service.adapters import dynamo_schema as ds


class DynamoConnections:
    """Who is connected, and which answers were cancelled. ``client``: boto3 DynamoDB."""

    def __init__(self, table_name: str, client: Any, *, ttl_s: int = 3 * 3600) -> None:
        self._table = table_name
        self._client = client
        self._ttl = ttl_s

    def _expiry(self) -> dict[str, str]:
        return {"N": str(int(time.time()) + self._ttl)}

    def add(self, connection_id: str, owner: str) -> None:
        """Record an open connection of ``owner``."""
        self._client.put_item(
            TableName=self._table,
            Item={
                ds.CONNECTIONS_PK: {"S": f"conn#{connection_id}"},
                "connection_id": {"S": connection_id},
                ds.OWNER_ATTR: {"S": owner},
                ds.TTL_ATTR: self._expiry(),
            },
        )

    def remove(self, connection_id: str) -> None:
        """Forget a connection; absent is not an error."""
        self._client.delete_item(
            TableName=self._table, Key={ds.CONNECTIONS_PK: {"S": f"conn#{connection_id}"}}
        )

    def owner_of(self, connection_id: str) -> str | None:
        """The user of an open connection, or None."""
        item = self._client.get_item(
            TableName=self._table,
            Key={ds.CONNECTIONS_PK: {"S": f"conn#{connection_id}"}},
            ConsistentRead=True,
        ).get("Item")
        if item is None or int(item[ds.TTL_ATTR]["N"]) < time.time():
            return None
        return str(item[ds.OWNER_ATTR]["S"])

    def of_owner(self, owner: str) -> list[str]:
        """Ids of ``owner``'s unexpired connections."""
        now = time.time()
        ids: list[str] = []
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": ds.CONNECTIONS_OWNER_INDEX,
            "KeyConditionExpression": "#o = :o",
            "ExpressionAttributeNames": {"#o": ds.OWNER_ATTR},
            "ExpressionAttributeValues": {":o": {"S": owner}},
        }
        while True:
            out = self._client.query(**query)
            ids += [
                i["connection_id"]["S"]
                for i in out["Items"]
                if "connection_id" in i and int(i[ds.TTL_ATTR]["N"]) >= now
            ]
            if "LastEvaluatedKey" not in out:
                return ids
            query["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def cancel(self, connection_id: str, request_id: str) -> None:
        """Flag an answer as cancelled (the chat worker checks between batches)."""
        self._client.put_item(
            TableName=self._table,
            Item={
                ds.CONNECTIONS_PK: {"S": f"cancel#{connection_id}#{request_id}"},
                ds.TTL_ATTR: {"N": str(int(time.time()) + 3600)},
            },
        )

    def is_cancelled(self, connection_id: str, request_id: str) -> bool:
        """Whether ``cancel`` was called for this answer."""
        out = self._client.get_item(
            TableName=self._table,
            Key={ds.CONNECTIONS_PK: {"S": f"cancel#{connection_id}#{request_id}"}},
            ConsistentRead=True,
        )
        return "Item" in out
