"""The ``endpoint`` decorator: one place that declares, validates and documents a route.

Every API view is wrapped by it. It records who may call the route, the body
and query models and the response, which the auth hook and the OpenAPI builder
read; and it turns the JSON body and query string into validated models before
the view runs, so a view never sees unchecked input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from oci.errors import BadRequest, Invalid, UnsupportedMediaType


class Access(StrEnum):
    PUBLIC = "public"  # anyone (the API index, its OpenAPI document)
    READ = "read"  # any authenticated user
    WRITE = "write"  # an admin: changes state
    SECRET = "secret"  # an admin: reads secrets
    TRUSTED = "trusted"  # a trusted source network, or an authenticated user


# What a route may answer when something it reaches fails (see endpoint()'s errors).
UPSTREAM_ERRORS = frozenset({502, 504})


@dataclass(frozen=True)
class EndpointSpec:
    summary: str
    access: Access
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    tag: str
    upload: str | None = None  # media type of a raw (non-JSON) request body
    # Statuses beyond the client errors every route answers: 502 and 504 from what a
    # route reaches (a BMC, a live system over SSH), which the document lists for it.
    errors: tuple[int, ...] = ()


def describe_errors(exc: ValidationError, where: str) -> dict[str, Any]:
    """Pydantic's errors as the ``details`` of an API error: field -> message."""
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or where
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        fields[loc] = message
    return {"fields": fields}


def _summary_line(where: str, details: dict[str, Any]) -> str:
    parts = [f"{field}: {msg}" for field, msg in details["fields"].items()]
    return f"invalid {where}: " + "; ".join(parts)


def _body() -> bytes:
    """The request body, at most MAX_CONTENT_LENGTH bytes (413 beyond)."""
    raw = request.get_data(cache=True)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None:
        return raw
    # Werkzeug refuses a Content-Length over the limit, but cuts a chunked
    # body at the limit: a chunked body that reaches it may be longer.
    chunked = request.content_length is None
    if len(raw) > limit or (chunked and len(raw) >= limit):
        raise RequestEntityTooLarge()
    return raw


def parse_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise BadRequest("the request body must be JSON (Content-Type: application/json)")
    raw = _body()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise BadRequest("the request body is not valid JSON") from exc
        details = describe_errors(exc, "body")
        raise Invalid(_summary_line("request body", details), details) from exc


def raw_body(*media_types: str) -> bytes:
    """The request body of an upload route, checked against its media types and size."""
    media_type = (request.mimetype or "").lower()
    if media_type not in media_types:
        raise UnsupportedMediaType(
            f"send the body as {' or '.join(media_types)} (got {media_type or 'no Content-Type'})"
        )
    return _body()


def parse_query(model: type[BaseModel] | None) -> BaseModel | None:
    args = request.args.to_dict(flat=True)
    if model is None:
        if args:
            raise BadRequest(
                f"unknown query parameter(s): {', '.join(sorted(args))}",
                {"fields": {name: "unknown query parameter" for name in args}},
            )
        return None
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        details = describe_errors(exc, "query")
        raise BadRequest(_summary_line("query", details), details) from exc


def endpoint(
    summary: str,
    *,
    tag: str,
    access: Access | None = None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    upload: str | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route. Access defaults to READ for GET and WRITE otherwise.

    ``upload`` names the media type of a raw body the view reads itself
    (`raw_body()`), for uploads that are not JSON. ``errors`` names the server-side
    statuses the route answers when what it reaches fails: 502 (a BMC refused, SSH
    or a tool in the live system failed), 504 (a BMC did not answer).
    """
    unknown = set(errors) - UPSTREAM_ERRORS
    if unknown:
        raise ValueError(f"errors: {sorted(unknown)} not among {sorted(UPSTREAM_ERRORS)}")

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def run(**path: Any) -> Any:
            kwargs: dict[str, Any] = dict(path)
            parsed_query = parse_query(query)
            if query is not None:
                kwargs["query"] = parsed_query
            if body is not None:
                kwargs["body"] = parse_body(body)
            result = view(**kwargs)
            if isinstance(result, BaseModel):
                return result.model_dump(mode="json"), status
            return result

        # Built once here, not per request: the spec for safe methods, then the rest.
        # (A function attribute, set through __dict__: mypy types functions without any.)
        run.__dict__["oci_specs"] = tuple(
            EndpointSpec(
                summary, access or default, body, query, response, status, tag, upload, errors
            )
            for default in (Access.READ, Access.WRITE)
        )
        return run

    return wrap


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def spec_of(view: Callable[..., Any], method: str) -> EndpointSpec | None:
    """How ``view`` answers ``method``; None for a route declared without @endpoint."""
    specs = getattr(view, "oci_specs", None)
    return None if specs is None else specs[method not in SAFE_METHODS]
