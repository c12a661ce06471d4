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
