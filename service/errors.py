"""The one error hierarchy of the service. Each edge translates it (HTTP status, SQS item
failure, WebSocket error frame) by its ``code``."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every error code a client can see."""

    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    UNPROCESSABLE = "unprocessable"
    RATE_LIMITED = "rate_limited"
    CANCELLED = "cancelled"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class RagError(Exception):
    """Base of every error the service raises on purpose."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(RagError):
    """The caller sent something invalid (empty question, bad cursor...)."""

    code = ErrorCode.BAD_REQUEST


class Unauthorized(RagError):
    """No valid identity."""

    code = ErrorCode.UNAUTHORIZED


class Forbidden(RagError):
    """The caller may not act on this resource."""

    code = ErrorCode.FORBIDDEN


class NotFound(RagError):
    """The resource does not exist (or is not visible to the caller)."""

    code = ErrorCode.NOT_FOUND


class Conflict(RagError):
    """A conditional write lost: the record changed since it was read."""

    code = ErrorCode.CONFLICT


class TooLarge(RagError):
    """Over a size or page limit."""

    code = ErrorCode.TOO_LARGE


class UnsupportedType(RagError):
    """The content is not a supported document type."""

    code = ErrorCode.UNSUPPORTED_TYPE


class Unprocessable(RagError):
    """The document is of a supported type but cannot be read (corrupt, encrypted, no text)."""

    code = ErrorCode.UNPROCESSABLE


class ModelMismatch(RagError):
    """A vector table was made by another embedding model or dimension."""

    code = ErrorCode.CONFLICT


class Unavailable(RagError):
    """A dependency (model provider, storage) is temporarily unavailable; retry later."""

    code = ErrorCode.UNAVAILABLE


class RateLimited(RagError):
    """Over a per-person or per-address limit (questions, connections, uploads, sign-ins)."""

    code = ErrorCode.RATE_LIMITED


# --- providers saying they are overloaded (issue 14) -------------------------------------------

BUSY_MESSAGE = "The model is busy right now; try again in a few seconds."
_BUSY_CODES = frozenset(
    code.lower()
    for code in (
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
    )
)


def is_busy(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a provider's "too busy" error: botocore's
    ``ClientError``, including errors inside a ConverseStream event stream (whose codes start
    in lower case). Told by the error code, so this module imports no AWS library."""
    seen = 0
    while exc is not None and seen < 5:
        response = getattr(exc, "response", None)
        error = response.get("Error", {}) if isinstance(response, dict) else {}
        if str(error.get("Code", "")).lower() in _BUSY_CODES:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
