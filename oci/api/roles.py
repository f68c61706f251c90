"""/api/v1/roles: the roles a machine can take."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from oci.api.common import ListQuery, Output, Page, paginate
from oci.api.endpoint import endpoint
from oci.api.session import db
from oci.enrolment import clusters
from oci.models import Role

bp = Blueprint("roles", __name__)
TAG = "roles"


class RoleOut(Output):
    id: int
    name: str
    description: str


def out(role: Role) -> RoleOut:
    return RoleOut(id=role.id, name=role.name, description=role.description)


@bp.get("/roles")
@endpoint("List roles", tag=TAG, query=ListQuery, response=Page[RoleOut])
def list_(query: ListQuery) -> Page[RoleOut]:
    return paginate(db(), select(Role).order_by(Role.name), query, out)


@bp.get("/roles/<name>")
@endpoint("Show a role", tag=TAG, response=RoleOut)
def show(name: str) -> RoleOut:
    return out(clusters.get_role(db(), name))
