"""The OpenAPI 3.1 document, built from the routes the app really serves."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import oci
from oci.api.common import ErrorOut, ListQuery
from oci.api.endpoint import Access, EndpointSpec, spec_of
from oci.api.limits import MAX_URI_BYTES

_ERRORS = {
    "400": "Malformed request: bad JSON, unknown query parameter",
    "401": "Missing or wrong credentials",
    "403": "Authenticated, but not allowed (needs an admin)",
    "404": "No such object",
    "409": "Conflicts with the inventory (duplicate, still in use)",
    "413": "Body too large",
    "414": f"URL (path and query) longer than {MAX_URI_BYTES} bytes",
    "422": "Invalid field values; details.fields names each",
}
_UPLOAD_ERRORS = {"415": "Body not of the media type documented"}
# Declared route by route (endpoint(errors=...)): what the route reaches failed.
_UPSTREAM_ERRORS = {
    502: "What the route reached failed: a BMC refused, SSH to the live system or a tool "
    "run there failed; details say what ran",
    504: "A BMC did not answer within the bmc_timeout setting",
}
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def documented_operations(app: Flask) -> list[tuple[str, str, EndpointSpec | None]]:
    """(OpenAPI path, method, spec) for every API route and method the app serves."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/boot/", "/oci/")):
            continue
        path = _RULE_ARG.sub(r"{\1}", rule.rule)
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((path, method.lower(), spec_of(view, method)))
    return found


def build(app: Flask) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorOut}
    operations = documented_operations(app)
    for _, _, spec in operations:
        if spec is not None:
            models.update(m for m in (spec.body, spec.query, spec.response) if m is not None)
    modes: dict[type[BaseModel], JsonSchemaMode] = {
        m: "validation" if m is not ErrorOut else "serialization" for m in models
    }
    keyed, schemas = models_json_schema(
        list(modes.items()), ref_template="#/components/schemas/{model}"
    )
    refs = {model: keyed[(model, mode)] for model, mode in modes.items()}
    components = schemas.get("$defs", {})

    page_size_max: int = app.config["OCI_SETTINGS"].page_size_max
    paths: dict[str, dict[str, Any]] = {}
    for path, method, spec in operations:
        if spec is None:
            continue  # undocumented: tests/api/test_openapi.py fails on it
        op = _operation(path, method, spec, refs, components, page_size_max)
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "oci inventory API", "version": oci.__version__},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "token": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def _operation(
    path: str,
    method: str,
    spec: EndpointSpec,
    refs: dict[type[BaseModel], Any],
    components: dict[str, Any],
    page_size_max: int,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": spec.summary,
        "tags": [spec.tag],
        "operationId": method + "_" + re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_"),
        "x-oci-access": str(spec.access),
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{([^}]+)}", path)
    ]
    if spec.query is not None:
        # The query model's own schema, whose $refs already point at components.
        query_schema = components[refs[spec.query]["$ref"].rsplit("/", 1)[1]]
        for name, field in spec.query.model_fields.items():
            schema = _query_value(query_schema["properties"][name])
            if name == "limit" and issubclass(spec.query, ListQuery):
                schema["maximum"] = page_size_max  # a setting: paginate() refuses more
            params.append(
                {"name": name, "in": "query", "required": field.is_required(), "schema": schema}
            )
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[spec.body]}},
        }
    if spec.upload is not None:
        op["requestBody"] = {
            "required": True,
            "content": {spec.upload: {"schema": {"type": "string", "format": "binary"}}},
        }
    success: dict[str, Any] = {"description": "Success"}
    if spec.response is not None:
        success["content"] = {"application/json": {"schema": refs[spec.response]}}
    elif path.startswith("/boot/"):  # what firmware reads: scripts and image files
        media = "application/octet-stream" if "{" in path else "text/plain"
        success["content"] = {media: {"schema": {"type": "string"}}}
    error = {"content": {"application/json": {"schema": refs[ErrorOut]}}}
    errors = _ERRORS | (_UPLOAD_ERRORS if spec.upload is not None else {})
    errors |= {str(code): _UPSTREAM_ERRORS[code] for code in spec.errors}
    op["responses"] = {str(spec.status): success} | {
        code: {"description": text, **error} for code, text in sorted(errors.items())
    }
    if spec.access is Access.PUBLIC:
        op["security"] = []
    elif spec.access is Access.TRUSTED:
        # A trusted source network needs no credentials; any other, a user's.
        op["security"] = [{}, {"basic": []}, {"token": []}]
        op["description"] = "Without credentials from the trusted_networks setting."
    else:
        op["security"] = [{"basic": []}, {"token": []}]
    return op


def _query_value(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without pydantic's ``null``: a query string has no
    null, an optional parameter is left out."""
    schema = {key: value for key, value in schema.items() if key != "default" or value is not None}
    choices = schema.get("anyOf")
    if choices is None:
        return schema
    kept = [choice for choice in choices if choice != {"type": "null"}]
    del schema["anyOf"]
    if len(kept) == 1:
        only: dict[str, Any] = kept[0]
        return only | schema
    return schema | {"anyOf": kept}
