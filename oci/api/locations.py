"""/api/v1/locations: places (availability zones) inside a Swift region."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from oci.api.common import Input, ListQuery, Name, Output, Page, Ref, paginate, ref
from oci.api.endpoint import endpoint
from oci.api.session import db, write
from oci.enrolment import clusters
from oci.models import Location

bp = Blueprint("locations", __name__)
TAG = "locations"


class LocationCreate(Input):
    name: Name
    swift_region: Name


class LocationOut(Output):
    id: int
    name: str
    swift_region: Ref
    created_at: datetime


def out(location: Location) -> LocationOut:
    return LocationOut(
        id=location.id,
        name=location.name,
        swift_region=ref(location.swift_region, "swift_regions.show"),
        created_at=location.created_at,
    )


@bp.get("/locations")
@endpoint("List locations", tag=TAG, query=ListQuery, response=Page[LocationOut])
def list_(query: ListQuery) -> Page[LocationOut]:
    stmt = select(Location).options(joinedload(Location.swift_region)).order_by(Location.name)
    return paginate(db(), stmt, query, out)


@bp.post("/locations")
@endpoint(
    "Create a location in a Swift region",
    tag=TAG,
    body=LocationCreate,
    response=LocationOut,
    status=201,
)
def create(body: LocationCreate) -> LocationOut:
    return write(lambda s: out(clusters.create_location(s, body.name, body.swift_region)))


@bp.get("/locations/<name>")
@endpoint("Show a location", tag=TAG, response=LocationOut)
def show(name: str) -> LocationOut:
    return out(clusters.by_name(db(), Location, name, "location"))


@bp.delete("/locations/<name>")
@endpoint("Delete a location that no network or machine uses", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    write(lambda s: clusters.delete_location(s, name))
    return "", 204
