"""Document registry in DynamoDB: conditional transitions on (status, version), newest-first
listing per owner and for all owners through the indexes of ``dynamo_schema``."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from service.adapters import dynamo_schema as ds
from service.adapters.sqlite_registry import decode_cursor, encode_cursor
from service.errors import BadRequest, Conflict, NotFound
from service.models import Document, DocumentPage, DocumentStatus

_MUTABLE = {"status", "error", "chunks", "pages", "size", "sha256", "content_type", "filename"}
_MUTABLE |= {"blob_key", "report"}  # accepted uploads move to a stored key; ingestion reports


def created_key(doc: Document) -> str:
    """The sort key of the list indexes: fixed-width UTC time (so strings sort as times),
    then the id (unique)."""
    stamp = doc.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}#{doc.doc_id}"


def _serializer() -> tuple[Any, Any]:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


class DynamoRegistry:
    """The AWS registry. ``client`` is a boto3 DynamoDB client."""

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client
        self._ser, self._de = _serializer()

    def _item(self, doc: Document) -> dict[str, Any]:
        plain = {k: v for k, v in doc.model_dump(mode="json").items() if v is not None}
        if doc.report is not None:  # floats: stored as one JSON string (DynamoDB takes Decimal)
            plain["report"] = doc.report.model_dump_json()
        plain[ds.CREATED_KEY] = created_key(doc)
        plain[ds.ALL_ATTR] = ds.ALL_VALUE
        return {k: self._ser.serialize(v) for k, v in plain.items()}

    def _doc(self, item: dict[str, Any]) -> Document:
        plain = {k: self._de.deserialize(v) for k, v in item.items()}
        for key in (ds.CREATED_KEY, ds.ALL_ATTR):
            plain.pop(key, None)
        plain = {k: int(v) if isinstance(v, Decimal) else v for k, v in plain.items()}
        if isinstance(plain.get("report"), str):
            plain["report"] = json.loads(plain["report"])
        return Document.model_validate(plain)

    def create(self, doc: Document) -> None:
        """Insert a new record; ``Conflict`` if the id exists."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(doc),
                ConditionExpression="attribute_not_exists(doc_id)",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"document {doc.doc_id} exists") from exc

    def get(self, doc_id: str) -> Document | None:
        """The record (strongly consistent read), or None."""
        out = self._client.get_item(
            TableName=self._table, Key={ds.REGISTRY_PK: {"S": doc_id}}, ConsistentRead=True
        )
        item = out.get("Item")
        if item is None or ds.SHARE_GROUP_ATTR in item:  # a share item is no document
            return None
        return self._doc(item)

    def list(self, owner: str | None, *, cursor: str | None, limit: int) -> DocumentPage:
        """Newest first through the owner index (or the all-owners index for ``None``)."""
        if not 1 <= limit <= 1000:
            raise BadRequest("limit must be between 1 and 1000")
        hash_attr, hash_value = (
            (ds.OWNER_ATTR, owner) if owner is not None else (ds.ALL_ATTR, ds.ALL_VALUE)
        )
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": ds.OWNER_INDEX if owner is not None else ds.ALL_INDEX,
            "KeyConditionExpression": "#h = :h",
            "ExpressionAttributeNames": {"#h": hash_attr},
            "ExpressionAttributeValues": {":h": {"S": hash_value}},
            "ScanIndexForward": False,
            "Limit": limit + 1,  # one extra tells whether another page exists
        }
        if cursor:
            created_key, doc_id = decode_cursor(cursor)
            query["ExclusiveStartKey"] = {
                hash_attr: {"S": hash_value},
                ds.CREATED_KEY: {"S": created_key},
                ds.REGISTRY_PK: {"S": doc_id},
            }
        items = self._client.query(**query)["Items"]
        page = items[:limit]
        next_cursor = None
        if len(items) > limit:
            last = page[-1]
            next_cursor = encode_cursor(last[ds.CREATED_KEY]["S"], last[ds.REGISTRY_PK]["S"])
        return DocumentPage(items=[self._doc(i) for i in page], next_cursor=next_cursor)

    def transition(
        self,
        doc_id: str,
        *,
        expect_status: Iterable[DocumentStatus],
        expect_version: int,
        status: DocumentStatus,
        bump_version: bool = False,
        **changes: object,
    ) -> Document:
        """One conditional ``UpdateItem``; ``Conflict`` if status or version moved on."""
        unknown = set(changes) - _MUTABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        expected = list(expect_status)
        update = _update_expression(
            self._ser, expected, expect_version, status, bump_version, changes
        )
        try:
            out = self._client.update_item(
                TableName=self._table,
                Key={ds.REGISTRY_PK: {"S": doc_id}},
                ReturnValues="ALL_NEW",
                **update,
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            current = self.get(doc_id)
            if current is None:
                raise NotFound(f"document {doc_id} not found") from None
            raise Conflict(
                f"document {doc_id} is {current.status.value} at version {current.version}"
            ) from None
        return self._doc(out["Attributes"])

    def delete(self, doc_id: str) -> None:
        """Remove the record and its share items in one transaction; absent is not an error."""
        current = self.get(doc_id)
        groups = current.shared_with if current else []
        keys = [doc_id, *(ds.share_key(g, doc_id) for g in groups)]
        self._client.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": {ds.REGISTRY_PK: {"S": key}}}}
                for key in keys
            ]
        )

    def share(self, doc_id: str, groups: Collection[str]) -> Document:
        """Replace the groups the document is shared with: the record and its share items
        change in one transaction, conditional on the groups read (a concurrent change is a
        ``Conflict``)."""
        current = self.get(doc_id)
        if current is None:
            raise NotFound(f"document {doc_id} not found")
        if current.status is DocumentStatus.DELETING:
            raise Conflict(f"document {doc_id} is being deleted")
        old, new = set(current.shared_with), set(groups)
        items = [self._share_update(doc_id, sorted(old), sorted(new))]
        items += [self._share_delete(g, doc_id) for g in sorted(old - new)]
        items += [self._share_put(g, doc_id) for g in sorted(new - old)]
        try:
            self._client.transact_write_items(TransactItems=items)
        except self._client.exceptions.TransactionCanceledException:
            if self.get(doc_id) is None:
                raise NotFound(f"document {doc_id} not found") from None
            raise Conflict(f"document {doc_id} changed meanwhile; try again") from None
        return current.model_copy(update={"shared_with": sorted(new)})

    def _share_update(self, doc_id: str, old: Sequence[str], new: Sequence[str]) -> dict[str, Any]:
        unchanged = "#sw = :old" if old else "(attribute_not_exists(#sw) OR #sw = :old)"
        return {
            "Update": {
                "TableName": self._table,
                "Key": {ds.REGISTRY_PK: {"S": doc_id}},
                "UpdateExpression": "SET #sw = :new",
                "ConditionExpression": f"attribute_exists(#v) AND #st <> :del AND {unchanged}",
                "ExpressionAttributeNames": {
                    "#sw": "shared_with",
                    "#v": "version",
                    "#st": "status",
                },
                "ExpressionAttributeValues": {
                    ":new": self._ser.serialize(new),
                    ":old": self._ser.serialize(old),
                    ":del": {"S": DocumentStatus.DELETING.value},
                },
            }
        }

    def _share_put(self, group: str, doc_id: str) -> dict[str, Any]:
        item = {
            ds.REGISTRY_PK: {"S": ds.share_key(group, doc_id)},
            ds.SHARE_GROUP_ATTR: {"S": group},
            ds.SHARED_DOC_ATTR: {"S": doc_id},
        }
        return {"Put": {"TableName": self._table, "Item": item}}

    def _share_delete(self, group: str, doc_id: str) -> dict[str, Any]:
        key = {ds.REGISTRY_PK: {"S": ds.share_key(group, doc_id)}}
        return {"Delete": {"TableName": self._table, "Key": key}}

    def shared_with_any(self, groups: Collection[str]) -> Sequence[str]:
        """Ids shared with any of ``groups``: one Query of the ``by_group`` index per group."""
        found: set[str] = set()
        for group in sorted(set(groups)):
            query: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": ds.SHARE_INDEX,
                "KeyConditionExpression": "#g = :g",
                "ExpressionAttributeNames": {"#g": ds.SHARE_GROUP_ATTR},
                "ExpressionAttributeValues": {":g": {"S": group}},
            }
            while True:
                out = self._client.query(**query)
                found.update(i[ds.SHARED_DOC_ATTR]["S"] for i in out["Items"])
                if "LastEvaluatedKey" not in out:
                    break
                query["ExclusiveStartKey"] = out["LastEvaluatedKey"]
        return sorted(found)


def _update_expression(
    ser: Any,
    expected: list[DocumentStatus],
    expect_version: int,
    status: DocumentStatus,
    bump_version: bool,
    changes: dict[str, object],
) -> dict[str, Any]:
    names = {"#status": "status", "#version": "version"}
    values: dict[str, Any] = {
        ":status": {"S": status.value},
        ":ev": {"N": str(expect_version)},
        ":now": {"S": datetime.now(UTC).isoformat()},
        **{f":e{i}": {"S": s.value} for i, s in enumerate(expected)},
    }
    sets = ["#status = :status", "updated_at = :now"]
    removes = []
    if bump_version:
        sets.append("#version = #version + :one")
        values[":one"] = {"N": "1"}
    for i, (field, value) in enumerate(sorted(changes.items())):
        names[f"#f{i}"] = field
        if isinstance(value, BaseModel):  # the ingestion report: one JSON string
            value = value.model_dump_json()
        if value is None:
            removes.append(f"#f{i}")
        else:
            sets.append(f"#f{i} = :f{i}")
            values[f":f{i}"] = ser.serialize(value)
    if not expected:  # nothing may match: an impossible status keeps the syntax valid
        values[":e0"] = {"S": "-"}
    in_list = ", ".join(f":e{i}" for i in range(max(1, len(expected))))
    return {
        "UpdateExpression": "SET "
        + ", ".join(sets)
        + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ConditionExpression": "attribute_exists(doc_id) AND #version = :ev"
        f" AND #status IN ({in_list})",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
