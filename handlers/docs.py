"""The API docs page (``/docs``) served entirely by the app itself: no script from a CDN runs
on the app's origin, and no inline script (the content security policy forbids both).

Swagger UI's files come from an installed package (Powertools ships them); without it the page
is a plain list of the operations, built from the OpenAPI document on the server."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

_INIT = 'SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true});\n'
_ASSETS = ("swagger-ui-bundle.min.js", "swagger-ui.min.css")


def swagger_assets() -> Path | None:
    """The directory of Swagger UI's files in an installed package, if any."""
    try:
        from aws_lambda_powertools.event_handler.openapi import swagger_ui
    except ImportError:
        return None
    folder = Path(swagger_ui.__file__).parent
    return folder if all((folder / name).is_file() for name in _ASSETS) else None


def add_docs(api: FastAPI) -> None:
    """``GET /docs`` and its assets under ``/docs/assets/`` (paths relative, so the page works
    under an API Gateway stage prefix too)."""
    folder = swagger_assets()

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if folder is None:
            return HTMLResponse(_plain_page(api))
        return HTMLResponse(
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(api.title)}</title>"
            '<link rel="stylesheet" href="docs/assets/swagger-ui.min.css"></head>'
            '<body><div id="swagger-ui"></div>'
            '<script src="docs/assets/swagger-ui-bundle.min.js"></script>'
            '<script src="docs/assets/init.js"></script></body></html>'
        )

    @api.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        if name == "init.js":
            return Response(_INIT, media_type="text/javascript")
        if folder is None or name not in _ASSETS:
            raise HTTPException(404)
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(folder / name, media_type=kind)


def _plain_page(api: FastAPI) -> str:
    rows = []
    for path, operations in api.openapi().get("paths", {}).items():
        for method, op in operations.items():
            summary = html.escape(str(op.get("summary", "")))
            rows.append(f"<li><code>{method.upper()} {html.escape(path)}</code> {summary}</li>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(api.title)}</title></head><body>"
        f"<h1>{html.escape(api.title)}</h1><p>The full description is "
        '<a href="openapi.json">openapi.json</a>.</p>'
        f"<ul>{''.join(rows)}</ul></body></html>"
    )
