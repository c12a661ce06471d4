"""Daily usage counters in DynamoDB, in the connections table under their own key prefix.

Key design (kept here, with the adapter): one item per UTC day, partition key
``pk = "usage#{YYYY-MM-DD}"``; each person's counters are top-level number attributes named
``{counter}#{person}`` (``questions#alice``, ``cost_usd#alice``, ...), incremented with one
atomic ``UpdateItem ... ADD``. A report of N days is N ``GetItem`` calls, whoever and however
many asked (no scans, no batch calls, no extra index). The item carries ``expires_at`` (the
table's TTL attribute) ``retention_days`` after its day. Limit: DynamoDB's 400 KB per item
holds the counters of roughly 1,000 people per day. The items have no ``owner`` attribute, so
the table's ``by_owner`` index never lists them among connections.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from service.adapters.dynamo_schema import CONNECTIONS_PK, TTL_ATTR
from service.models import UsageFigures
from service.usage import figures

USAGE_PREFIX = "usage#"
_COUNTERS = tuple(UsageFigures.model_fields)


def usage_key(day: date) -> str:
    """The partition key of ``day``'s item."""
    return f"{USAGE_PREFIX}{day.isoformat()}"


class DynamoUsageStore:
    """A ``UsageStore`` in ``table`` (the connections table) through ``client``."""

    def __init__(self, table: str, client: Any, *, retention_days: int = 400) -> None:
        self._table = table
        self._client = client
        self._retention_days = retention_days

    def add(self, day: date, person: str, figures: UsageFigures) -> None:
        """One atomic ``ADD`` of every non-zero counter of ``person`` on ``day``."""
        counters = {c: getattr(figures, c) for c in _COUNTERS if getattr(figures, c)}
        if not counters:
            return
        names = {f"#c{i}": f"{c}#{person}" for i, c in enumerate(counters)}
        values: dict[str, Any] = {
            f":c{i}": {"N": str(Decimal(str(v)))} for i, v in enumerate(counters.values())
        }
        expires = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            days=self._retention_days
        )
        values[":expires"] = {"N": str(int(expires.timestamp()))}
        names["#expires"] = TTL_ATTR
        adds = ", ".join(f"#c{i} :c{i}" for i in range(len(counters)))
        self._client.update_item(
            TableName=self._table,
            Key={CONNECTIONS_PK: {"S": usage_key(day)}},
            UpdateExpression=f"ADD {adds} SET #expires = :expires",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def read(self, first: date, last: date) -> list[tuple[date, str, UsageFigures]]:
        """One consistent ``GetItem`` per day."""
        out = []
        day = first
        while day <= last:
            item = self._client.get_item(
                TableName=self._table,
                Key={CONNECTIONS_PK: {"S": usage_key(day)}},
                ConsistentRead=True,
            ).get("Item", {})
            out += [(day, person, counts) for person, counts in _people(item).items()]
            day += timedelta(days=1)
        return out


def _people(item: dict[str, Any]) -> dict[str, UsageFigures]:
    found: dict[str, dict[str, float]] = {}
    for name, value in item.items():
        counter, sep, person = name.partition("#")
        if sep and counter in _COUNTERS and "N" in value:
            found.setdefault(person, {})[counter] = float(value["N"])
    return {
        person: figures(**{c: (v if c == "cost_usd" else int(v)) for c, v in counters.items()})
        for person, counters in sorted(found.items())
    }
