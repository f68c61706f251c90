"""/api/v1/clusters: OpenStack clusters, their domain and options."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint
from pydantic import Field, StringConstraints
from sqlalchemy import select

from oci import topology
from oci.api.common import Input, ListQuery, Output, Page, paginate
from oci.api.endpoint import endpoint
from oci.api.session import db
from oci.models import Cluster

bp = Blueprint("clusters", __name__)
TAG = "clusters"

# The cluster name starts every host name (CLUSTER-ROLE-N.DOMAIN): a DNS label.
ClusterName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$"),
    Field(
        description="A DNS label: lower-case letters, digits, '-'; 1-32 characters",
        examples=["cl1"],
    ),
]
DomainName = Annotated[
    str,
    StringConstraints(
        max_length=200,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    ),
    Field(description="Lower-case DNS domain of the cluster's hosts", examples=["example.com"]),
]


class ClusterCreate(Input):
    name: ClusterName
    domain: DomainName


class ClusterOut(Output):
    id: int
    name: str
    domain: str
    options: dict[str, Any]
    created_at: datetime


def out(cluster: Cluster) -> ClusterOut:
    return ClusterOut(
        id=cluster.id,
        name=cluster.name,
        domain=cluster.domain,
        options=cluster.options,
        created_at=cluster.created_at,
    )


@bp.get("/clusters")
@endpoint("List clusters", tag=TAG, query=ListQuery, response=Page[ClusterOut])
def list_(query: ListQuery) -> Page[ClusterOut]:
    return paginate(db(), select(Cluster).order_by(Cluster.name), query, out)


@bp.post("/clusters")
@endpoint("Create a cluster", tag=TAG, body=ClusterCreate, response=ClusterOut, status=201)
def create(body: ClusterCreate) -> ClusterOut:
    session = db()
    cluster = topology.create_cluster(session, body.name, body.domain)
    session.commit()
    return out(cluster)


@bp.get("/clusters/<name>")
@endpoint("Show a cluster", tag=TAG, response=ClusterOut)
def show(name: str) -> ClusterOut:
    return out(topology.by_name(db(), Cluster, name, "cluster"))


@bp.delete("/clusters/<name>")
@endpoint("Delete a cluster that has no machines and no networks", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    session = db()
    topology.delete_cluster(session, name)
    session.commit()
    return "", 204
