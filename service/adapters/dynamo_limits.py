"""Per-person limits on AWS (questions in flight, open WebSockets), shared by every Lambda
container through one DynamoDB item per person and kind in the connections table.

The item holds one lease per slot (``leases.{token} = expiry``), not a bare counter: a worker
that crashes without giving its slot back leaves a lease that simply expires, so no slot leaks
for longer than its lease. Taking a slot drops the expired leases and adds the new one in one
conditional write on the item's ``version`` (optimistic locking), retried on a lost race.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from service.adapters import dynamo_schema as ds

QUESTIONS = "questions"
CONNECTIONS = "connections"
_ATTEMPTS = 8  # lost races in a row before giving up (each one means another slot moved)


def question_slot(connection_id: str, request_id: str) -> str:
    """The lease token of one question (the ask route takes it, the chat worker frees it)."""
    return f"{connection_id}/{request_id}"


class DynamoPersonLimits:
    """``take`` / ``give_back`` slots of a kind for one person, at most ``limits[kind]`` live.

    Args:
        table_name: the connections table.
        client: boto3 DynamoDB client.
        limits: maximum live leases per kind (``QUESTIONS``, ``CONNECTIONS``).
        lease_s: how long a lease of each kind lives if never given back.
        clock: seconds since the epoch (tests move it).
    """

    def __init__(
        self,
        table_name: str,
        client: Any,
        *,
        limits: dict[str, int],
        lease_s: dict[str, int],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table_name
        self._client = client
        self._limits = limits
        self._lease_s = lease_s
        self._clock = clock

    def _key(self, kind: str, owner: str) -> dict[str, Any]:
        return {ds.CONNECTIONS_PK: {"S": f"limit#{kind}#{owner}"}}

    def take(self, kind: str, owner: str, token: str) -> bool:
        """Hold one ``kind`` slot of ``owner`` under ``token``; False when all are taken."""
        for _ in range(_ATTEMPTS):
            now = int(self._clock())
            item = self._client.get_item(
                TableName=self._table, Key=self._key(kind, owner), ConsistentRead=True
            ).get("Item")
            leases = {
                k: int(v["N"]) for k, v in (item or {}).get("leases", {}).get("M", {}).items()
            }
            live = {k: v for k, v in leases.items() if v >= now and k != token}
            if len(live) >= self._limits[kind]:
                return False
            live[token] = now + self._lease_s[kind]
            if self._write(kind, owner, live, item):
                return True
        return False

    def _write(
        self, kind: str, owner: str, leases: dict[str, int], item: dict[str, Any] | None
    ) -> bool:
        version = int(item["version"]["N"]) if item else 0
        condition = "attribute_not_exists(#v)" if item is None else "#v = :v"
        values: dict[str, Any] = {":v": {"N": str(version)}} if item is not None else {}
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **self._key(kind, owner),
                    "leases": {"M": {k: {"N": str(v)} for k, v in leases.items()}},
                    "version": {"N": str(version + 1)},
                    ds.TTL_ATTR: {"N": str(max(leases.values()))},  # idle items go away
                },
                ConditionExpression=condition,
                ExpressionAttributeNames={"#v": "version"},
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False  # another container changed the item since we read it
        return True

    def give_back(self, kind: str, owner: str, token: str) -> None:
        """Release the slot held under ``token`` (absent is not an error)."""
        # absent: expired and dropped by a later take, or never taken
        with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.update_item(
                TableName=self._table,
                Key=self._key(kind, owner),
                UpdateExpression="REMOVE leases.#t SET #v = #v + :one",
                ConditionExpression="attribute_exists(leases.#t)",
                ExpressionAttributeNames={"#t": token, "#v": "version"},
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    def held(self, kind: str, owner: str) -> int:
        """Live leases of ``owner`` (for tests and metrics)."""
        item = self._client.get_item(
            TableName=self._table, Key=self._key(kind, owner), ConsistentRead=True
        ).get("Item")
        now = self._clock()
        return sum(
            1 for v in (item or {}).get("leases", {}).get("M", {}).values() if int(v["N"]) >= now
        )
