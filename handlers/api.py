"""The admin REST API as one FastAPI app factory: served by uvicorn locally (``rag serve``) and
by Mangum on Lambda. It starts nothing and touches nothing local: everything comes in through
``create_api``'s arguments."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from handlers.docs import add_docs
from service.errors import ErrorCode, Forbidden, RagError, Unauthorized
from service.models import (
    CreateDocumentRequest,
    CreateDocumentResponse,
    Document,
    DocumentPage,
    ErrorBody,
    ErrorDetail,
    Me,
    UploadTarget,
)
from service.ports import Identity, Principal
from service.wiring import Services

log = logging.getLogger(__name__)

# The one mapping from error codes to HTTP statuses.
STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_TYPE: 415,
    ErrorCode.UNPROCESSABLE: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.CANCELLED: 499,  # never sent by REST; the nginx "client closed request" status
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}
_CODE_OF_STATUS = {status: code for code, status in STATUS.items()}

UploadTargetFactory = Callable[[Document, str], UploadTarget]
"""Makes the upload target of a new document, given the URL the caller reached the API at."""


class Health(BaseModel):
    """Response of ``GET /health``."""

    status: Literal["ok"] = "ok"


def error_response(code: ErrorCode, message: str, *, status: int | None = None) -> JSONResponse:
    """The error body with the status mapped from ``code`` (or ``status`` for HTTP-level
    errors that have no code of their own, such as 405)."""
    body = ErrorBody(error=ErrorDetail(code=code, message=message))
    headers = {"WWW-Authenticate": "Bearer"} if code is ErrorCode.UNAUTHORIZED else None
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status or STATUS[code], headers=headers
    )


def _errors(*codes: ErrorCode) -> dict[int | str, dict[str, Any]]:
    return {STATUS[c]: {"model": ErrorBody, "description": c.value} for c in codes}


_bearer = HTTPBearer(auto_error=False, description="An access token (local sign-in or Cognito)")


def get_services(request: Request) -> Services:
    """The services this app was created with."""
    services: Services = request.app.state.services
    return services


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller; ``Unauthorized`` without a valid bearer token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("sign in first: send Authorization: Bearer <access token>")
    identity: Identity = request.app.state.identity
    return identity.verify(credentials.credentials)


ServicesDep = Annotated[Services, Depends(get_services)]
CallerDep = Annotated[Principal, Depends(caller)]


def create_api(
    services: Services,
    identity: Identity,
    *,
    upload_target: UploadTargetFactory,
    title: str = "RAG service API",
) -> FastAPI:
    """The admin REST API (DESIGN.md "Wire protocols"), OpenAPI at ``/docs``.

    Args:
        services: the wired services.
        identity: verifies bearer tokens (local HS256 or Cognito).
        upload_target: makes the upload target returned by ``POST /documents``.
        title: the OpenAPI title.
    """
    api = FastAPI(
        title=title,
        version="1",
        responses=_errors(ErrorCode.UNAUTHORIZED),
        docs_url=None,  # handlers.docs serves /docs from the app itself (no CDN)
        redoc_url=None,
    )
    api.state.services = services
    api.state.identity = identity
    api.state.upload_target = upload_target
    _add_error_handlers(api)
    _add_meta_routes(api)
    _add_listing_routes(api)
    _add_document_routes(api)
    from handlers.observability import router as observability  # it imports this module

    api.include_router(observability)
    from handlers.sharing import router as sharing_router  # imports this module: not at the top

    api.include_router(sharing_router)
    from handlers.conversations import router as conversations  # issue 15; imports this module

    api.include_router(conversations)
    add_docs(api)
    return api


def _add_error_handlers(api: FastAPI) -> None:
    async def on_rag_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RagError)
        return error_response(exc.code, exc.message)

    async def on_invalid(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ())) or "request"
        return error_response(ErrorCode.BAD_REQUEST, f"invalid {where}: {first.get('msg')}")

    async def on_http(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _CODE_OF_STATUS.get(exc.status_code, ErrorCode.BAD_REQUEST)
        return error_response(code, HTTPStatus(exc.status_code).phrase, status=exc.status_code)

    async def on_unexpected(_request: Request, exc: Exception) -> Response:
        log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
        return error_response(ErrorCode.INTERNAL, "internal error")

    api.add_exception_handler(RagError, on_rag_error)
    api.add_exception_handler(RequestValidationError, on_invalid)
    api.add_exception_handler(StarletteHTTPException, on_http)
    api.add_exception_handler(Exception, on_unexpected)


def _add_meta_routes(api: FastAPI) -> None:
    @api.get("/health", response_model=Health, tags=["meta"])
    def health() -> Health:
        """Liveness (no sign-in needed: it says nothing about anyone's data)."""
        return Health()

    @api.get("/me", response_model=Me, tags=["meta"])
    def me(who: CallerDep) -> Me:
        """The signed-in caller."""
        return Me(user_id=who.user_id, is_admin=who.is_admin)


def _add_listing_routes(api: FastAPI) -> None:

    @api.get("/documents", response_model=DocumentPage, responses=_errors(ErrorCode.FORBIDDEN))
    def list_documents(
        who: CallerDep,
        svc: ServicesDep,
        scope: Literal["own", "shared", "all"] = "own",
        cursor: Annotated[str | None, Query(max_length=1024)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> DocumentPage:
        """The caller's documents, newest first; ``scope=shared``: the documents others shared
        with the caller's groups; admins may pass ``scope=all``."""
        if scope == "all" and not who.is_admin:
            raise Forbidden("only administrators may list every user's documents")
        shared = scope == "shared"
        all_users = scope == "all"
        return svc.documents.list(
            who, all_users=all_users, cursor=cursor, limit=limit, shared=shared
        )

    @api.post(
        "/documents",
        response_model=CreateDocumentResponse,
        status_code=201,
        responses=_errors(ErrorCode.TOO_LARGE),
    )
    def create_document(
        body: CreateDocumentRequest, who: CallerDep, svc: ServicesDep, request: Request
    ) -> CreateDocumentResponse:
        """Register a document; send its bytes exactly as the returned ``upload`` says."""
        doc = svc.documents.create(
            who.user_id, body.filename, size=body.size, content_type=body.content_type
        )
        make_target: UploadTargetFactory = request.app.state.upload_target
        return CreateDocumentResponse(document=doc, upload=make_target(doc, str(request.base_url)))


def _add_document_routes(api: FastAPI) -> None:
    missing = _errors(ErrorCode.NOT_FOUND)
    owned = _errors(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN)  # 403: shared with the caller

    @api.get("/documents/{doc_id}", response_model=Document, responses=missing)
    def get_document(doc_id: str, who: CallerDep, svc: ServicesDep) -> Document:
        """One document: the caller's, or one shared with their groups (others' are 404)."""
        return svc.documents.get(who, doc_id)

    @api.delete("/documents/{doc_id}", status_code=204, responses=owned)
    def delete_document(doc_id: str, who: CallerDep, svc: ServicesDep) -> Response:
        """Delete a document: its vectors, its file and its record (owner or admin only: a
        document shared with the caller is 403, anyone else's 404)."""
        svc.documents.delete(who, doc_id)
        return Response(status_code=204)

    @api.post(
        "/documents/{doc_id}/reindex",
        response_model=Document,
        status_code=202,
        responses={**owned, **_errors(ErrorCode.CONFLICT)},
    )
    def reindex_document(doc_id: str, who: CallerDep, svc: ServicesDep) -> Document:
        """Index the document again (new version); progress arrives as ``document`` events."""
        return svc.documents.reindex(who, doc_id)

    @api.post(
        "/documents/{doc_id}/upload",
        response_model=CreateDocumentResponse,
        responses={**owned, **_errors(ErrorCode.CONFLICT)},
    )
    def restart_upload(
        doc_id: str, who: CallerDep, svc: ServicesDep, request: Request
    ) -> CreateDocumentResponse:
        """A new upload target for a document whose bytes never arrived (or were refused)."""
        doc = svc.documents.restart_upload(who, doc_id)
        make_target: UploadTargetFactory = request.app.state.upload_target
        return CreateDocumentResponse(document=doc, upload=make_target(doc, str(request.base_url)))
