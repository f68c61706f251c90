"""Domain errors. Each carries the HTTP status and stable code the API answers with."""

from __future__ import annotations

from typing import Any


class OciError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class BadRequest(OciError):
    """The request itself is malformed: not JSON, unknown query parameter."""


class Unauthorized(OciError):
    status = 401
    code = "unauthorized"


class Forbidden(OciError):
    status = 403
    code = "forbidden"


class NotFound(OciError):
    status = 404
    code = "not_found"


class Conflict(OciError):
    """The request contradicts what the inventory holds (duplicate, still in use)."""

    status = 409
    code = "conflict"


class Invalid(OciError):
    """Well-formed input that names something missing or holds a bad value."""

    status = 422
    code = "validation_failed"


class UnsupportedMediaType(OciError):
    status = 415
    code = "unsupported_media_type"
