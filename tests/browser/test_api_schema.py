"""The web app's API types come from ``frontend/openapi.json``; it must match the server."""

from __future__ import annotations

import json

from service.wiring import Services
from tests.browser.schema_snapshot import SNAPSHOT, current_schema, render, server_openapi


def test_committed_snapshot_matches_the_server(services: Services) -> None:
    expected = render(current_schema(server_openapi(services)))
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert committed == expected, (
        "frontend/openapi.json is stale: run `.venv/bin/python -m tests.browser.schema_snapshot`"
        " then `cd frontend && npm run gen:api`, and commit both files"
    )


def test_snapshot_describes_every_websocket_frame() -> None:
    schemas = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["components"]["schemas"]
    events = {ref["$ref"].rsplit("/", 1)[1] for ref in schemas["ServerEvent"]["oneOf"]}
    actions = {ref["$ref"].rsplit("/", 1)[1] for ref in schemas["ClientMessage"]["oneOf"]}
    assert events == {
        "TokenEvent",
        "SourcesEvent",
        "DoneEvent",
        "ErrorEvent",
        "DocumentEvent",
        "PongEvent",
        "ConversationEvent",  # issue 15
    }
    assert actions == {"AskAction", "CancelAction", "PingAction"}
