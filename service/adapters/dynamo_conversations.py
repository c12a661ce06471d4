"""Conversations in DynamoDB (the key design is in ``dynamo_schema``). Every item carries a
TTL; since DynamoDB deletes expired items only within a day or two (and moto never does),
readers skip expired items themselves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from service.adapters import dynamo_schema as ds
from service.adapters.sqlite_conversations import feedback_record, stamp
from service.adapters.sqlite_registry import decode_cursor, encode_cursor
from service.errors import BadRequest, NotFound
from service.models import (
    Conversation,
    ConversationPage,
    ConversationSummary,
    Feedback,
    FeedbackRecord,
    Turn,
)

Items = list[dict[str, Any]]  # (``list`` is also a method name of the class below)


def _head(conversation_id: str) -> str:
    return f"c#{conversation_id}"


def _turn_key(conversation_id: str, n: int) -> str:
    return f"c#{conversation_id}#t#{n:05d}"


class DynamoConversations:
    """The AWS conversation store. ``client`` is a boto3 DynamoDB client."""

    def __init__(self, table_name: str, client: Any, *, retention: timedelta) -> None:
        self._table = table_name
        self._client = client
        self._retention = retention

    def _expires(self, moment: datetime) -> str:
        return str(int((moment + self._retention).timestamp()))

    @staticmethod
    def _alive(item: dict[str, Any]) -> bool:
        return int(item[ds.TTL_ATTR]["N"]) > time.time()

    def _key(self, owner: str, sk: str) -> dict[str, Any]:
        return {ds.CONVERSATIONS_PK: {"S": owner}, ds.CONVERSATIONS_SK: {"S": sk}}

    def append(self, owner: str, conversation_id: str, turn: Turn, *, title: str) -> Turn:
        """Count the turn on the conversation item (creating it), then store the turn."""
        when = stamp(turn.created_at)
        out = self._client.update_item(
            TableName=self._table,
            Key=self._key(owner, _head(conversation_id)),
            UpdateExpression="SET #title = if_not_exists(#title, :title),"
            " #created = if_not_exists(#created, :when), #updated = :when, #uk = :uk,"
            " #exp = :exp ADD #count :one",
            ExpressionAttributeNames={
                "#title": "title",
                "#created": "created_at",
                "#updated": "updated_at",
                "#uk": ds.UPDATED_KEY,
                "#exp": ds.TTL_ATTR,
                "#count": "turn_count",
            },
            ExpressionAttributeValues={
                ":title": {"S": title},
                ":when": {"S": when},
                ":uk": {"S": f"{when}#{conversation_id}"},
                ":exp": {"N": self._expires(turn.created_at)},
                ":one": {"N": "1"},
            },
            ReturnValues="UPDATED_NEW",
        )
        stored = turn.model_copy(update={"n": int(out["Attributes"]["turn_count"]["N"]) - 1})
        self._client.put_item(
            TableName=self._table, Item=self._turn_item(owner, conversation_id, stored)
        )
        return stored

    def _turn_item(self, owner: str, conversation_id: str, turn: Turn) -> dict[str, Any]:
        item = {
            **self._key(owner, _turn_key(conversation_id, turn.n)),
            "body": {"S": turn.model_dump_json()},
            ds.TTL_ATTR: {"N": self._expires(turn.created_at)},
        }
        if turn.feedback is not None:
            fb_key = f"{stamp(turn.feedback.at)}#{owner}#{conversation_id}#{turn.n:05d}"
            item[ds.FEEDBACK_ATTR] = {"S": "ALL"}
            item[ds.FEEDBACK_KEY] = {"S": fb_key}
        return item

    def _items(
        self, owner: str, conversation_id: str, *, keys_only: bool = False
    ) -> list[dict[str, Any]]:
        """Every item of one conversation (the prefix query also matches longer ids: drop them)."""
        head = _head(conversation_id)
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#o = :o AND begins_with(#sk, :p)",
            "ExpressionAttributeNames": {"#o": ds.CONVERSATIONS_PK, "#sk": ds.CONVERSATIONS_SK},
            "ExpressionAttributeValues": {":o": {"S": owner}, ":p": {"S": head}},
        }
        if keys_only:
            query["ProjectionExpression"] = "#o, #sk, #exp"
            query["ExpressionAttributeNames"]["#exp"] = ds.TTL_ATTR
        items = list(self._query(query))
        return [i for i in items if i["sk"]["S"] == head or i["sk"]["S"].startswith(head + "#")]

    def _query(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            out = self._client.query(**query)
            yield from out["Items"]
            if "LastEvaluatedKey" not in out:
                return
            query = {**query, "ExclusiveStartKey": out["LastEvaluatedKey"]}

    def get(self, owner: str, conversation_id: str) -> Conversation | None:
        """The conversation and its unexpired turns, oldest first."""
        items = [i for i in self._items(owner, conversation_id) if self._alive(i)]
        head = next((i for i in items if i["sk"]["S"] == _head(conversation_id)), None)
        if head is None:
            return None
        turns = sorted(
            (Turn.model_validate_json(i["body"]["S"]) for i in items if "body" in i),
            key=lambda t: t.n,
        )
        return Conversation(**_summary(head).model_dump(), turns=turns)

    def list(self, owner: str, *, cursor: str | None, limit: int) -> ConversationPage:
        """Most recently updated first, through the sparse ``by_updated`` index."""
        if not 1 <= limit <= 1000:
            raise BadRequest("limit must be between 1 and 1000")
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": ds.UPDATED_INDEX,
            "KeyConditionExpression": "#o = :o",
            "FilterExpression": "#exp > :now",
            "ExpressionAttributeNames": {"#o": ds.CONVERSATIONS_PK, "#exp": ds.TTL_ATTR},
            "ExpressionAttributeValues": {
                ":o": {"S": owner},
                ":now": {"N": str(int(time.time()))},
            },
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if cursor:
            updated_key, conversation_id = decode_cursor(cursor)
            query["ExclusiveStartKey"] = {
                **self._key(owner, _head(conversation_id)),
                ds.UPDATED_KEY: {"S": updated_key},
            }
        items: list[dict[str, Any]] = []
        for item in self._query(query):  # a filter may shorten pages: read on until one more
            items.append(item)
            if len(items) > limit:
                break
        page = items[:limit]
        last = page[-1] if len(items) > limit else None
        next_cursor = (
            encode_cursor(last[ds.UPDATED_KEY]["S"], _summary(last).conversation_id)
            if last
            else None
        )
        return ConversationPage(items=[_summary(i) for i in page], next_cursor=next_cursor)

    def rename(self, owner: str, conversation_id: str, title: str) -> ConversationSummary:
        """Set the title of an unexpired conversation."""
        try:
            out = self._client.update_item(
                TableName=self._table,
                Key=self._key(owner, _head(conversation_id)),
                UpdateExpression="SET #title = :title",
                ConditionExpression="attribute_exists(#sk) AND #exp > :now",
                ExpressionAttributeNames={
                    "#title": "title",
                    "#sk": ds.CONVERSATIONS_SK,
                    "#exp": ds.TTL_ATTR,
                },
                ExpressionAttributeValues={
                    ":title": {"S": title},
                    ":now": {"N": str(int(time.time()))},
                },
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            raise NotFound("conversation not found") from None
        return _summary(out["Attributes"])

    def _delete_keys(self, items: Items) -> None:
        # one DeleteItem per item: the functions' grants allow item calls only, no batches
        for item in items:
            key = {k: item[k] for k in (ds.CONVERSATIONS_PK, ds.CONVERSATIONS_SK)}
            self._client.delete_item(TableName=self._table, Key=key)

    def delete(self, owner: str, conversation_id: str) -> bool:
        """Remove one conversation and its turns."""
        items = self._items(owner, conversation_id, keys_only=True)
        self._delete_keys(items)
        return any(i["sk"]["S"] == _head(conversation_id) and self._alive(i) for i in items)

    def delete_all(self, owner: str) -> int:
        """Remove every item of ``owner``."""
        items = list(
            self._query(
                {
                    "TableName": self._table,
                    "KeyConditionExpression": "#o = :o",
                    "ProjectionExpression": "#o, #sk, #exp",
                    "ExpressionAttributeNames": {
                        "#o": ds.CONVERSATIONS_PK,
                        "#sk": ds.CONVERSATIONS_SK,
                        "#exp": ds.TTL_ATTR,
                    },
                    "ExpressionAttributeValues": {":o": {"S": owner}},
                }
            )
        )
        self._delete_keys(items)
        return sum(1 for i in items if "#t#" not in i["sk"]["S"] and self._alive(i))

    def set_feedback(
        self, owner: str, conversation_id: str, n: int, feedback: Feedback | None
    ) -> Turn:
        """Rewrite the turn with its rating (the conditional put fails if it was deleted)."""
        key = self._key(owner, _turn_key(conversation_id, n))
        item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get(
            "Item"
        )
        if item is None or not self._alive(item):
            raise NotFound("turn not found")
        turn = Turn.model_validate_json(item["body"]["S"]).model_copy(update={"feedback": feedback})
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._turn_item(owner, conversation_id, turn),
                ConditionExpression="attribute_exists(#sk)",
                ExpressionAttributeNames={"#sk": ds.CONVERSATIONS_SK},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            raise NotFound("turn not found") from None
        return turn

    def feedback_since(self, since: datetime) -> Iterator[FeedbackRecord]:
        """Rated turns of every owner through the sparse ``feedback_by_time`` index."""
        query = {
            "TableName": self._table,
            "IndexName": ds.FEEDBACK_INDEX,
            "KeyConditionExpression": "#a = :a AND #k >= :since",
            "ExpressionAttributeNames": {"#a": ds.FEEDBACK_ATTR, "#k": ds.FEEDBACK_KEY},
            "ExpressionAttributeValues": {":a": {"S": "ALL"}, ":since": {"S": stamp(since)}},
        }
        for item in self._query(query):
            if self._alive(item):
                conversation_id = item["sk"]["S"].split("#")[1]
                turn = Turn.model_validate_json(item["body"]["S"])
                yield feedback_record(item[ds.CONVERSATIONS_PK]["S"], conversation_id, turn)

    def purge(self, now: datetime) -> int:
        """Nothing to do: DynamoDB's TTL deletes expired items."""
        return 0


def _summary(item: dict[str, Any]) -> ConversationSummary:
    return ConversationSummary(
        conversation_id=item["sk"]["S"].removeprefix("c#"),
        owner=item[ds.CONVERSATIONS_PK]["S"],
        title=item["title"]["S"],
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
        turn_count=int(item["turn_count"]["N"]),
    )
