"""/api/v1/networks: IPv4 and IPv6 networks of a location."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from oci import topology
from oci.api.common import Input, ListQuery, Name, Output, Page, Ref, paginate, ref
from oci.api.endpoint import endpoint
from oci.api.session import db
from oci.models import Cluster, Location, Network

bp = Blueprint("networks", __name__)
TAG = "networks"


class NetworkCreate(Input):
    name: Name
    address: str = Field(
        max_length=45, description="Network address", examples=["192.168.101.0", "2001:db8::"]
    )
    prefix_length: int = Field(description="CIDR prefix length", examples=[24])
    location: Name
    is_public: bool = Field(False, description="Public network: reserves a VIP when attached")


class NetworkQuery(ListQuery):
    location: str | None = Field(None, description="Only networks of this location")
    cluster: str | None = Field(None, description="Only networks attached to this cluster")


class NetworkOut(Output):
    id: int
    name: str
    address: str
    prefix_length: int
    cidr: str
    ip_version: int
    location: Ref
    is_public: bool
    cluster: Ref | None
    role: str | None
    iface1: str | None
    iface2: str | None
    mtu: int | None
    vlan: int | None
    bridge_name: str | None
    created_at: datetime


def out(network: Network) -> NetworkOut:
    return NetworkOut(
        id=network.id,
        name=network.name,
        address=network.address,
        prefix_length=network.prefix_length,
        cidr=network.cidr,
        ip_version=network.ip_version,
        location=ref(network.location, "locations.show"),
        is_public=network.is_public,
        cluster=ref(network.cluster, "clusters.show"),
        role=network.role,
        iface1=network.iface1,
        iface2=network.iface2,
        mtu=network.mtu,
        vlan=network.vlan,
        bridge_name=network.bridge_name,
        created_at=network.created_at,
    )


@bp.get("/networks")
@endpoint("List networks", tag=TAG, query=NetworkQuery, response=Page[NetworkOut])
def list_(query: NetworkQuery) -> Page[NetworkOut]:
    stmt = (
        select(Network)
        .options(joinedload(Network.location), joinedload(Network.cluster))
        .order_by(Network.name)
    )
    if query.location is not None:
        stmt = stmt.join(Network.location).where(Location.name == query.location)
    if query.cluster is not None:
        stmt = stmt.join(Network.cluster).where(Cluster.name == query.cluster)
    return paginate(db(), stmt, query, out)


@bp.post("/networks")
@endpoint(
    "Create a network in a location", tag=TAG, body=NetworkCreate, response=NetworkOut, status=201
)
def create(body: NetworkCreate) -> NetworkOut:
    session = db()
    network = topology.create_network(
        session, body.name, body.address, body.prefix_length, body.location, body.is_public
    )
    session.commit()
    return out(network)


@bp.get("/networks/<name>")
@endpoint("Show a network", tag=TAG, response=NetworkOut)
def show(name: str) -> NetworkOut:
    return out(topology.by_name(db(), Network, name, "network"))


@bp.delete("/networks/<name>")
@endpoint("Delete a network that no cluster or machine uses", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    session = db()
    topology.delete_network(session, name)
    session.commit()
    return "", 204
