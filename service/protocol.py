"""The chat WebSocket protocol, independent of any transport: raw client text in, a typed
action (or the error event to send back) out; events out as JSON text. The local server and
the AWS WebSocket Lambdas both use it, so they parse and answer identically."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from service.errors import ErrorCode
from service.models import AskAction, CancelAction, ClientMessage, ErrorEvent, PingAction

MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's message limit: the same bound everywhere
ACTIONS = ("ask", "cancel", "ping")
MAX_DEPTH = 16  # the deepest valid message (ask with history) is 3 levels

ClientAction = AskAction | CancelAction | PingAction
_ADAPTER: TypeAdapter[ClientAction] = TypeAdapter(ClientMessage)


def parse_client_message(raw: str | bytes) -> ClientAction | ErrorEvent:
    """Parse one client frame.

    Args:
        raw: the frame's text (bytes are decoded as UTF-8).

    Returns:
        The action, or the ``ErrorEvent`` to send back (``bad_request``; carrying the
        ``request_id`` when the message had a usable one). Never raises for client input.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        return _error(None, "the message is larger than 128 KB")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _error(None, "the message is not valid JSON")
    except RecursionError:  # nesting deeper than the parser's stack
        return _error(None, "the message is nested too deeply")
    if not _is_text(data):  # lone surrogates could neither be answered nor logged
        return _error(None, "the message is nested too deeply or has text that is not Unicode")
    if not isinstance(data, dict):
        return _error(None, "the message must be a JSON object")
    request_id = _request_id(data)
    action = data.get("action")
    if action not in ACTIONS:
        return _error(request_id, f"unknown action {str(action)[:40]!r}; expected one of {ACTIONS}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        return _error(request_id, _describe(exc))


def _is_text(data: Any, depth: int = 0) -> bool:
    """Whether every string (keys too) encodes as UTF-8, and nesting stays shallow."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(data, dict):
        return all(_is_text(k) and _is_text(v, depth + 1) for k, v in data.items())
    if isinstance(data, list):
        return all(_is_text(v, depth + 1) for v in data)
    return True


def encode_event(event: BaseModel) -> str:
    """The JSON text of a server event (nulls kept: the wire shapes are fixed)."""
    return event.model_dump_json()


def _request_id(data: dict[str, Any]) -> str | None:
    value = data.get("request_id")
    if isinstance(value, str) and 0 < len(value) <= 128:
        return value
    return None


def _describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "message"
    return f"invalid {where}: {first['msg']}"[:300]


def _error(request_id: str | None, message: str) -> ErrorEvent:
    return ErrorEvent(request_id=request_id, code=ErrorCode.BAD_REQUEST, message=message)
