"""/api/v1/clusters: OpenStack clusters, their domain and options."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint, current_app
from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from oci.api import networks
from oci.api.common import Input, ListQuery, Output, Page, Ref, paginate, patch_of, ref
from oci.api.endpoint import Access, endpoint
from oci.api.session import db, vault, write
from oci.enc import release, served
from oci.enrolment import clusters
from oci.enrolment import machines as enrolment
from oci.enrolment.options import ClusterOptions
from oci.models import Cluster, IpAddress, Machine, Network, Role, RoleCounter

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


ClusterSet = patch_of(
    "ClusterSet",
    ClusterOptions,
    first_master=(
        str | None,
        Field(
            None,
            max_length=64,
            description="Serial of the controller that bootstraps the cluster "
            "(OCI's --first-master; not an option: it marks that machine)",
        ),
    ),
)


class ClusterSecretsOut(Output):
    name: str
    secrets: dict[str, str] = Field(description="Every generated secret, in clear")


class ClusterMachineOut(Output):
    serial: str | None
    hostname: str | None
    role: str | None
    location: Ref | None
    is_first_master: bool
    status: str
    addresses: list[str]


class ClusterIpOut(Output):
    network: Ref
    address: str
    purpose: str = Field(
        description="host: a machine's address; bmc: its BMC's; vip: one of the cluster's VIPs"
    )
    vip_usage: str | None = Field(
        description="for a vip: which one (api: the API's, on a public network; "
        "sql: the SQL VIP, on the sql machines' management network); null otherwise"
    )
    hostname: str | None
    serial: str | None
    role: str | None


def out(cluster: Cluster) -> ClusterOut:
    return ClusterOut(
        id=cluster.id,
        name=cluster.name,
        domain=cluster.domain,
        options=clusters.cluster_options(cluster).model_dump(mode="json"),
        created_at=cluster.created_at,
    )


def machine_out(machine: Machine) -> ClusterMachineOut:
    return ClusterMachineOut(
        serial=machine.serial,
        hostname=machine.hostname,
        role=machine.role.name if machine.role else None,
        location=ref(machine.location, "locations.show"),
        is_first_master=machine.is_first_master,
        status=str(machine.status),
        addresses=[
            ip.address
            for ip in sorted(machine.ip_addresses, key=_network_order)
            if ip.purpose == "host"  # not its BMC's
        ],
    )


def _network_order(ip: IpAddress) -> str:
    return ip.network.name


def ip_out(ip: IpAddress) -> ClusterIpOut:
    machine = ip.machine
    return ClusterIpOut(
        network=ref(ip.network, "networks.show"),
        address=ip.address,
        purpose=ip.purpose,
        vip_usage=ip.vip_usage,
        hostname=machine.hostname if machine else None,
        serial=machine.serial if machine else None,
        role=machine.role.name if machine and machine.role else None,
    )


@bp.get("/clusters")
@endpoint("List clusters", tag=TAG, query=ListQuery, response=Page[ClusterOut])
def list_(query: ListQuery) -> Page[ClusterOut]:
    return paginate(db(), select(Cluster).order_by(Cluster.name), query, out)


@bp.post("/clusters")
@endpoint("Create a cluster", tag=TAG, body=ClusterCreate, response=ClusterOut, status=201)
def create(body: ClusterCreate) -> ClusterOut:
    """Every secret the cluster needs is generated now and stored encrypted."""
    the_vault = vault()
    return write(lambda s: out(clusters.create_cluster(s, body.name, body.domain, the_vault)))


@bp.get("/clusters/<name>")
@endpoint("Show a cluster", tag=TAG, response=ClusterOut)
def show(name: str) -> ClusterOut:
    return out(clusters.by_name(db(), Cluster, name, "cluster"))


@bp.delete("/clusters/<name>")
@endpoint("Delete a cluster that has no machines and no networks", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    write(lambda s: clusters.delete_cluster(s, name))
    return "", 204


@bp.patch("/clusters/<name>")
@endpoint(
    "Set cluster options (cluster-set); null resets one to its default",
    tag=TAG,
    body=ClusterSet,
    response=ClusterOut,
)
def set_options(name: str, body: Any) -> ClusterOut:
    changes = body.changes()
    chosen = changes.get("openstack_release")
    if chosen is not None:
        check_release(chosen)
    first_master = changes.pop("first_master", None)

    def apply(session: Session) -> ClusterOut:
        if first_master is not None:
            clusters.set_first_master(session, name, first_master)
        return out(clusters.set_cluster_options(session, name, changes))

    return write(apply)


def check_release(chosen: str) -> None:
    """A release the installed Puppet modules cannot deploy is refused (400), naming the
    one they can (422); where the modules are not installed here, nothing can be checked."""
    module_path = current_app.config["OCI_SETTINGS"].effective_puppet_module_path
    if served.installed_interface(module_path) is not None:
        release.check(chosen, module_path)


@bp.get("/clusters/<name>/secrets")
@endpoint(
    "Show the cluster's secrets in clear (admins only)",
    tag=TAG,
    access=Access.SECRET,
    response=ClusterSecretsOut,
)
def secrets(name: str) -> ClusterSecretsOut:
    cluster = clusters.by_name(db(), Cluster, name, "cluster")
    return ClusterSecretsOut(name=cluster.name, secrets=clusters.reveal_secrets(cluster, vault()))


@bp.get("/clusters/<name>/machines")
@endpoint(
    "List the machines of a cluster", tag=TAG, query=ListQuery, response=Page[ClusterMachineOut]
)
def machines(name: str, query: ListQuery) -> Page[ClusterMachineOut]:
    session = db()
    cluster = clusters.by_name(session, Cluster, name, "cluster")
    stmt = (
        select(Machine)
        .join(Machine.role)
        .where(Machine.cluster_id == cluster.id)
        .options(
            contains_eager(Machine.role),
            joinedload(Machine.location),
            joinedload(Machine.ip_addresses).joinedload(IpAddress.network),
        )
        .order_by(Role.name, *enrolment.by_host_number())
    )
    return paginate(session, stmt, query, machine_out)


@bp.get("/clusters/<name>/networks")
@endpoint(
    "List the networks attached to a cluster",
    tag=TAG,
    query=ListQuery,
    response=Page[networks.NetworkOut],
)
def cluster_networks(name: str, query: ListQuery) -> Page[networks.NetworkOut]:
    session = db()
    cluster = clusters.by_name(session, Cluster, name, "cluster")
    stmt = (
        select(Network)
        .where(Network.cluster_id == cluster.id)
        .options(joinedload(Network.location), joinedload(Network.cluster))
        .order_by(Network.name)
    )
    return paginate(session, stmt, query, networks.out)


@bp.get("/clusters/<name>/ips")
@endpoint(
    "List the addresses held in a cluster's networks: hosts and VIPs",
    tag=TAG,
    query=ListQuery,
    response=Page[ClusterIpOut],
)
def ips(name: str, query: ListQuery) -> Page[ClusterIpOut]:
    session = db()
    cluster = clusters.by_name(session, Cluster, name, "cluster")
    stmt = (
        select(IpAddress)
        .join(IpAddress.network)
        .where(Network.cluster_id == cluster.id)
        .options(
            joinedload(IpAddress.network),
            joinedload(IpAddress.machine).joinedload(Machine.role),
        )
        .order_by(Network.name, IpAddress.id)
    )
    return paginate(session, stmt, query, ip_out)


class RoleCountOut(Output):
    role: str
    count: int = Field(description="N of the role's last CLUSTER-ROLE-N host name")


class RoleCountSet(Input):
    count: int = Field(ge=0, le=1_000_000, description="The next machine-add takes count+1")


@bp.get("/clusters/<name>/rolecounts")
@endpoint(
    "The host name counters of a cluster, per role (cluster-rolecounts-list)",
    tag=TAG,
    query=ListQuery,
    response=Page[RoleCountOut],
)
def role_counts(name: str, query: ListQuery) -> Page[RoleCountOut]:
    session = db()
    cluster = clusters.by_name(session, Cluster, name, "cluster")
    stmt = (
        select(RoleCounter)
        .join(RoleCounter.role)
        .options(contains_eager(RoleCounter.role))
        .where(RoleCounter.cluster_id == cluster.id)
        .order_by(Role.name)
    )
    return paginate(
        session, stmt, query, lambda c: RoleCountOut(role=c.role.name, count=c.next_number - 1)
    )


@bp.put("/clusters/<name>/rolecounts/<role>")
@endpoint(
    "Set a role's host name counter (cluster-rolecounts-set); below a number in use is refused",
    tag=TAG,
    body=RoleCountSet,
    response=RoleCountOut,
)
def set_role_count(name: str, role: str, body: RoleCountSet) -> RoleCountOut:
    count = write(lambda s: clusters.set_role_count(s, name, role, body.count))
    return RoleCountOut(role=role, count=count)


class FilebeatHost(Input):
    hostname: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$")] = (
        Field(description="Host Filebeat ships logs to")
    )
    port: int = Field(ge=1, le=65535)


class FilebeatHostOut(Output):
    cluster: str
    hostname: str
    port: int


class FilebeatHostsOut(Output):
    items: list[FilebeatHostOut]
    total: int


def _filebeat_out(name: str, hosts: list[tuple[str, int]]) -> FilebeatHostsOut:
    items = [FilebeatHostOut(cluster=name, hostname=h, port=p) for h, p in hosts]
    return FilebeatHostsOut(items=items, total=len(items))


@bp.get("/clusters/<name>/filebeat-output-hosts")
@endpoint(
    "Where the cluster's Filebeat ships logs (filebeat-output-host-list)",
    tag=TAG,
    response=FilebeatHostsOut,
)
def filebeat_hosts(name: str) -> FilebeatHostsOut:
    cluster = clusters.by_name(db(), Cluster, name, "cluster")
    return _filebeat_out(name, clusters.filebeat_hosts(cluster))


@bp.post("/clusters/<name>/filebeat-output-hosts")
@endpoint(
    "Add a Filebeat output host (filebeat-output-host-create); it is the cluster option "
    "filebeat_output_hosts, passed to oci::filebeat",
    tag=TAG,
    body=FilebeatHost,
    response=FilebeatHostsOut,
    status=201,
)
def add_filebeat_host(name: str, body: FilebeatHost) -> FilebeatHostsOut:
    hosts = write(
        lambda s: clusters.edit_filebeat_hosts(s, name, body.hostname, body.port, add=True)
    )
    return _filebeat_out(name, hosts)


@bp.delete("/clusters/<name>/filebeat-output-hosts/<hostname>/<int:port>")
@endpoint(
    "Remove a Filebeat output host (filebeat-output-host-delete)",
    tag=TAG,
    response=FilebeatHostsOut,
)
def remove_filebeat_host(name: str, hostname: str, port: int) -> FilebeatHostsOut:
    hosts = write(lambda s: clusters.edit_filebeat_hosts(s, name, hostname, port, add=False))
    return _filebeat_out(name, hosts)
