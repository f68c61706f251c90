"""/api/v1 itself: the index, a health check and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

import oci
from oci.api import openapi
from oci.api.common import Output
from oci.api.endpoint import Access, endpoint
from oci.api.session import db

bp = Blueprint("meta", __name__)
TAG = "meta"


class IndexOut(Output):
    name: str
    version: str
    openapi: str


class HealthOut(Output):
    status: str
    database: str


@bp.get("/")
@endpoint("API index", tag=TAG, access=Access.PUBLIC, response=IndexOut)
def index() -> IndexOut:
    return IndexOut(name="oci", version=oci.__version__, openapi="/api/v1/openapi.json")


@bp.get("/health")
@endpoint("Liveness and database check", tag=TAG, access=Access.PUBLIC, response=HealthOut)
def health() -> HealthOut:
    db().execute(text("SELECT 1"))
    return HealthOut(status="ok", database=db().get_bind().dialect.name)


@bp.get("/openapi.json")
@endpoint("This OpenAPI document", tag=TAG, access=Access.PUBLIC)
def document() -> dict[str, Any]:
    cache: dict[str, dict[str, Any]] = current_app.extensions.setdefault("oci_openapi", {})
    if "doc" not in cache:
        cache["doc"] = openapi.build(current_app)
    return cache["doc"]
