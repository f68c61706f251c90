"""/api/v1/swift-regions: the Swift regions that locations belong to."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from sqlalchemy import select

from oci.api.common import Input, ListQuery, Name, Output, Page, paginate
from oci.api.endpoint import endpoint
from oci.api.session import db, write
from oci.enrolment import clusters
from oci.models import SwiftRegion

bp = Blueprint("swift_regions", __name__)
TAG = "swift-regions"


class SwiftRegionCreate(Input):
    name: Name


class SwiftRegionOut(Output):
    id: int
    name: str
    created_at: datetime


def out(region: SwiftRegion) -> SwiftRegionOut:
    return SwiftRegionOut(id=region.id, name=region.name, created_at=region.created_at)


@bp.get("/swift-regions")
@endpoint("List Swift regions", tag=TAG, query=ListQuery, response=Page[SwiftRegionOut])
def list_(query: ListQuery) -> Page[SwiftRegionOut]:
    return paginate(db(), select(SwiftRegion).order_by(SwiftRegion.name), query, out)


@bp.post("/swift-regions")
@endpoint(
    "Create a Swift region", tag=TAG, body=SwiftRegionCreate, response=SwiftRegionOut, status=201
)
def create(body: SwiftRegionCreate) -> SwiftRegionOut:
    return write(lambda s: out(clusters.create_swift_region(s, body.name)))


@bp.get("/swift-regions/<name>")
@endpoint("Show a Swift region", tag=TAG, response=SwiftRegionOut)
def show(name: str) -> SwiftRegionOut:
    return out(clusters.by_name(db(), SwiftRegion, name, "Swift region"))


@bp.delete("/swift-regions/<name>")
@endpoint("Delete a Swift region that no location uses", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    write(lambda s: clusters.delete_swift_region(s, name))
    return "", 204
