"""/api/v1/roles: the roles a machine can take."""

from __future__ import annotations

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select

from oci.api.common import Input, ListQuery, Output, Page, paginate
from oci.api.endpoint import endpoint
from oci.api.session import db, write
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


class RoleCreate(Input):
    name: str = Field(
        pattern=r"^[a-z][a-z0-9]{0,31}$",
        description="Role name: it is part of host names (CLUSTER-ROLE-N) and of the "
        "Puppet class oci::NAME",
    )
    description: str = Field("", max_length=255)


@bp.post("/roles")
@endpoint(
    "Create a role of the operator's (role-create); its Puppet class is oci::NAME",
    tag=TAG,
    body=RoleCreate,
    response=RoleOut,
    status=201,
)
def create(body: RoleCreate) -> RoleOut:
    return write(lambda s: out(clusters.create_role(s, body.name, body.description)))


@bp.delete("/roles/<name>")
@endpoint("Delete a role of the operator's that nothing uses (role-delete)", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    write(lambda s: clusters.delete_role(s, name))
    return "", 204
