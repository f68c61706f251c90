"""/api/v1/networks: IPv4 and IPv6 networks of a location."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint
from pydantic import AfterValidator, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from oci.api.common import Input, ListQuery, Name, Output, Page, PatchInput, Ref, paginate, ref
from oci.api.endpoint import endpoint
from oci.api.session import db, write
from oci.enrolment import clusters, ipam, ipmi_check
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
    is_public: bool = Field(
        False,
        description="Public network: holds the cluster's API VIP when attached, "
        "and no machine's address",
    )


Interface = Annotated[
    str,
    AfterValidator(ipam.check_interface),
    Field(
        description="An interface name (eno1) or a speed class: 10g1 is the first NIC "
        "of at least 10 Gbit/s, 25g2 the second of at least 25 Gbit/s",
        examples=["eno1", "10g1"],
    ),
]
NetworkRole = Annotated[
    str,
    Field(
        max_length=32,
        description="A machine role, or all, vm-net, ovs-bridge, ceph-cluster, ipmi",
        examples=["all", "controller"],
    ),
]


class NetworkAttach(Input):
    cluster: Name
    role: NetworkRole
    iface1: Interface
    iface2: Interface | None = Field(None, description="A second interface: bond the two")


def _bridge_name(name: str) -> str:
    # A bridge is made by that name: no speed class, which designates a NIC.
    if ipam.INTERFACE_NAME.match(name):
        return name
    raise ValueError(
        f"{name!r} is not a bridge name: a letter, then up to 14 letters, digits, "
        "'.', '_' or '-' (br-ex)"
    )


class NetworkSet(PatchInput):
    role: NetworkRole | None = None
    iface1: Interface | None = None
    iface2: Interface | None = None
    mtu: int | None = Field(None, ge=576, le=9216, description="MTU (IPv6: at least 1280)")
    vlan: int | None = Field(None, ge=1, le=4094, description="802.1Q VLAN ID")
    bridge_name: Annotated[str, AfterValidator(_bridge_name)] | None = Field(
        None, description="Name of the bridge the network's interface joins"
    )
    address: str | None = Field(
        None,
        max_length=45,
        description="New network address (OCI's --ip); refused while an address in use "
        "would fall outside",
    )
    prefix_length: int | None = Field(None, ge=1, le=128, description="New prefix (--cidr)")
    location: Name | None = Field(None, description="Location the network is in")
    is_public: bool | None = Field(None, description="Public: holds VIPs, no host address")
    first_ip: str | None = Field(
        None, max_length=45, description="First address hosts take (null: the first usable)"
    )
    last_ip: str | None = Field(
        None, max_length=45, description="Last address hosts take (null: the last usable)"
    )
    ipmi_match_address: str | None = Field(
        None,
        max_length=45,
        description="ipmi network: machines booting from this network take their BMC "
        "address here (with ipmi_match_prefix_length)",
    )
    ipmi_match_prefix_length: int | None = Field(None, ge=1, le=128)


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
    first_ip: str | None
    last_ip: str | None
    ipmi_match_address: str | None
    ipmi_match_prefix_length: int | None
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
        first_ip=network.first_ip,
        last_ip=network.last_ip,
        ipmi_match_address=network.ipmi_match_address,
        ipmi_match_prefix_length=network.ipmi_match_prefix_length,
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
    return write(
        lambda s: out(
            clusters.create_network(
                s, body.name, body.address, body.prefix_length, body.location, body.is_public
            )
        )
    )


@bp.get("/networks/<name>")
@endpoint("Show a network", tag=TAG, response=NetworkOut)
def show(name: str) -> NetworkOut:
    return out(clusters.by_name(db(), Network, name, "network"))


@bp.delete("/networks/<name>")
@endpoint("Delete a network that no cluster or machine uses", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    write(lambda s: clusters.delete_network(s, name))
    return "", 204


@bp.post("/networks/<name>/attachment")
@endpoint(
    "Attach a network to a cluster for a role (network-add): machines of the role get "
    "addresses in it, but in a public one, which reserves the API VIP instead",
    tag=TAG,
    body=NetworkAttach,
    response=NetworkOut,
)
def attach(name: str, body: NetworkAttach) -> NetworkOut:
    return write(
        lambda s: out(
            clusters.attach_network(s, name, body.cluster, body.role, body.iface1, body.iface2)
        )
    )


@bp.delete("/networks/<name>/attachment")
@endpoint(
    "Detach a network from its cluster (network-remove); its VIPs are released",
    tag=TAG,
    response=NetworkOut,
)
def detach(name: str) -> NetworkOut:
    return write(lambda s: out(clusters.detach_network(s, name)))


@bp.patch("/networks/<name>")
@endpoint(
    "Set a network's address, prefix, location, public flag, role, interfaces, MTU, "
    "VLAN, bridge, host range or IPMI match (network-set); null clears an optional one",
    tag=TAG,
    body=NetworkSet,
    response=NetworkOut,
)
def set_(name: str, body: Any) -> NetworkOut:
    return write(lambda s: out(clusters.set_network(s, name, body.changes())))


class AssignedBmc(Output):
    serial: str
    address: str
    network: str


class RefusedBmc(AssignedBmc):
    held_by: str


class IpmiAssignCheckOut(Output):
    message: str = Field(description="OCI's message: what was recorded, or that nothing was")
    checked: int = Field(description="Machines whose reported BMC address was looked at")
    recorded: list[AssignedBmc]
    conflicts: list[RefusedBmc] = Field(description="Addresses held by another machine or a VIP")


@bp.post("/ipmi-assign-check")
@endpoint(
    "Record the BMC addresses machines report in networks of role ipmi (OCI's "
    "ipmi-assign-check), so that no BMC set-up gives them to another machine",
    tag=TAG,
    response=IpmiAssignCheckOut,
)
def ipmi_assign_check() -> IpmiAssignCheckOut:
    def run(session: Session) -> IpmiAssignCheckOut:
        result = ipmi_check.assign_check(session)
        return IpmiAssignCheckOut(
            message=result.message,
            checked=result.checked,
            recorded=[AssignedBmc(**r) for r in result.recorded],
            conflicts=[RefusedBmc(**c) for c in result.conflicts],
        )

    return write(run)
