"""``PUT /documents/{id}/sharing`` (issue 15): an owner or administrator shares a document
read-only with groups. Included by ``handlers.api.create_api``."""

from __future__ import annotations

from fastapi import APIRouter

from handlers.api import CallerDep, ServicesDep
from handlers.api import _errors as error_responses
from service.errors import ErrorCode
from service.models import Document, ShareRequest

router = APIRouter(tags=["documents"])


@router.put(
    "/documents/{doc_id}/sharing",
    response_model=Document,
    responses=error_responses(
        ErrorCode.BAD_REQUEST, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT
    ),
)
def share_document(doc_id: str, body: ShareRequest, who: CallerDep, svc: ServicesDep) -> Document:
    """Share the document read-only with exactly these groups (``[]``: with nobody). Only its
    owner or an administrator may; people it is shared with get 403, anyone else 404."""
    return svc.documents.share(who, doc_id, body.groups)
