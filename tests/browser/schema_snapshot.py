"""The API schema the web app is typed from: the server's OpenAPI document plus the WebSocket
message models (which OpenAPI cannot describe) under ``components.schemas``.

``python -m tests.browser.schema_snapshot`` rewrites ``frontend/openapi.json``; then
``npm run gen:api`` in ``frontend/`` regenerates ``src/api/schema.d.ts``. A test checks that the
committed snapshot still matches, so a change of the wire models fails until both are refreshed.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from service import models
from service.wiring import Services

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "frontend" / "openapi.json"

# Every WebSocket frame shape (client -> server, server -> client), and the REST bodies the app
# reads, so its types exist even where the server's OpenAPI names them differently.
WS_MODELS: tuple[type[Any], ...] = (
    models.Document,
    models.DocumentPage,
    models.CreateDocumentRequest,
    models.CreateDocumentResponse,
    models.UploadTarget,
    models.Me,
    models.ErrorBody,
    models.AskAction,
    models.CancelAction,
    models.PingAction,
    models.TokenEvent,
    models.SourcesEvent,
    models.DoneEvent,
    models.ErrorEvent,
    models.DocumentEvent,
    models.PongEvent,
    models.ConversationEvent,  # issue 15
)


def server_openapi(services: Services) -> dict[str, Any]:
    """The OpenAPI document of the local server (the shared REST API plus dev sign-in and
    uploads); building it reads only the routes, never starts anything."""
    from handlers.local.server import ServerOptions, create_local_app  # late: pulls in FastAPI

    app = create_local_app(services, ServerOptions(host="127.0.0.1"))
    return app.openapi()


# What the client sends is described as the server validates it (defaults optional); what it
# receives as the server serializes it (fields with defaults always present).
CLIENT_SENT = (
    models.AskAction,
    models.CancelAction,
    models.PingAction,
    models.CreateDocumentRequest,
)


def _mode(model: type[Any]) -> Literal["validation", "serialization"]:
    return "validation" if model in CLIENT_SENT else "serialization"


def ws_schemas() -> dict[str, Any]:
    """JSON schemas of the WebSocket messages, in OpenAPI's ``#/components/schemas`` form."""
    _, top = models_json_schema(
        [(m, _mode(m)) for m in WS_MODELS], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    unions: tuple[tuple[str, TypeAdapter[Any], Literal["validation", "serialization"]], ...] = (
        ("ClientMessage", TypeAdapter(models.ClientMessage), "validation"),
        ("ServerEvent", TypeAdapter(models.ServerEvent), "serialization"),
    )
    for name, adapter, mode in unions:
        schema = adapter.json_schema(ref_template="#/components/schemas/{model}", mode=mode)
        schema.pop("$defs", None)
        schemas[name] = schema
    return schemas


def current_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """The server's OpenAPI with the WebSocket schemas merged in (server's own entries win)."""
    doc: dict[str, Any] = json.loads(json.dumps(openapi))
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ws_schemas().items():
        components.setdefault(name, schema)
    return doc


def render(doc: dict[str, Any]) -> str:
    """Stable text form of the snapshot."""
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Rewrite the snapshot from the server in this tree (on a throw-away data dir)."""
    from service.config import Settings
    from service.wiring import build_services

    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(data_dir=Path(tmp)))
        SNAPSHOT.write_text(render(current_schema(server_openapi(services))), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}; now run: cd frontend && npm run gen:api")


if __name__ == "__main__":
    main()
