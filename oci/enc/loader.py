"""The inventory, read into an ENC snapshot in a handful of indexed queries.

OCI's ENC runs dozens of queries per call; this one runs seven whatever the
cluster's size: the node, the clusters, the listed members with their
addresses, the role counts, the networks with their VIPs, the node's NICs, and
the secrets its role may use. Computes, OSD nodes and Swift stores are counted,
never listed, so the cost does not grow with the cluster.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from oci import topology as topology_writes
from oci.enc import secrets as role_secrets
from oci.enc.snapshot import LISTED_ROLES, ClusterView, Member, NetworkView, Node, Snapshot
from oci.errors import NotFound
from oci.ipam import NicSpeed
from oci.models import (
    Cluster,
    ClusterSecret,
    IpAddress,
    Location,
    Machine,
    Network,
    Nic,
    Role,
    SwiftRegion,
)
from oci.vault import Vault

_NUMBER = re.compile(r"-(\d+)\.")

# (cluster id, secret name, ciphertext) -> clear value. Fernet tokens are
# random: a changed secret has a new ciphertext and so a new entry.
_clear: dict[tuple[int, str, str], str] = {}


def _decrypt(vault: Vault, cluster_id: int, name: str, token: str) -> str:
    key = (cluster_id, name, token)
    value = _clear.get(key)
    if value is None:
        if len(_clear) > 100_000:
            _clear.clear()
        value = _clear[key] = vault.decrypt(token)
    return value


def _host_order(hostname: str) -> tuple[int, int, str]:
    match = _NUMBER.search(hostname)
    return (int(match[1]) if match else 0, len(hostname), hostname)


def _options(row: Any) -> Any:
    cluster = Cluster(name=row.name, domain=row.domain, options=row.options or {})
    return topology_writes.cluster_options(cluster)


def _node_row(session: Session, fqdn: str) -> Any:
    row = session.execute(
        select(
            Machine.id,
            Machine.hostname,
            Machine.cluster_id,
            Machine.is_first_master,
            Machine.status,
            Machine.settings,
            Machine.datacenter,
            Machine.row,
            Machine.rack,
            Machine.u_position,
            Machine.compute_aggregate,
            Role.name.label("role"),
            Location.name.label("location"),
            SwiftRegion.name.label("swift_region"),
        )
        .join(Role, Role.id == Machine.role_id)
        .join(Location, Location.id == Machine.location_id)
        .join(SwiftRegion, SwiftRegion.id == Location.swift_region_id)
        .where(Machine.hostname == fqdn, Machine.cluster_id.is_not(None))
    ).one_or_none()
    if row is None:
        raise NotFound(f"no enrolled machine with host name {fqdn!r}")
    return row


def _cluster_rows(session: Session, node_cluster_id: int) -> tuple[Any, Any, Any]:
    """(the node's cluster, its remote Swift cluster, the cluster it serves as one)."""
    rows = session.execute(select(Cluster.id, Cluster.name, Cluster.domain, Cluster.options)).all()
    own = next(r for r in rows if r.id == node_cluster_id)
    remote_name = (own.options or {}).get("remote_swift_cluster")
    remote = next((r for r in rows if r.name == remote_name), None)
    served = next(
        (
            r
            for r in sorted(rows, key=lambda r: r.name)
            if (r.options or {}).get("remote_swift_cluster") == own.name
        ),
        None,
    )
    return own, remote, served


def _views(session: Session, rows: list[Any]) -> dict[int, ClusterView]:
    ids = [r.id for r in rows]
    listed_roles = select(Role.id).where(Role.name.in_(LISTED_ROLES)).scalar_subquery()
    members: dict[int, dict[str, Any]] = {}
    for m in session.execute(
        select(
            Machine.id,
            Machine.hostname,
            Machine.cluster_id,
            Machine.is_first_master,
            Machine.status,
            Role.name.label("role"),
            Location.name.label("location"),
            SwiftRegion.name.label("swift_region"),
            Network.name.label("network"),
            IpAddress.address,
        )
        .join(Role, Role.id == Machine.role_id)
        .join(Location, Location.id == Machine.location_id)
        .join(SwiftRegion, SwiftRegion.id == Location.swift_region_id)
        .outerjoin(IpAddress, IpAddress.machine_id == Machine.id)
        .outerjoin(Network, Network.id == IpAddress.network_id)
        .where(Machine.cluster_id.in_(ids), Machine.role_id.in_(listed_roles))
    ):
        entry = members.setdefault(m.id, {"row": m, "addresses": {}})
        if m.network is not None:
            entry["addresses"][m.network] = m.address
    by_cluster: dict[int, dict[str, list[Member]]] = defaultdict(lambda: defaultdict(list))
    for entry in members.values():
        m = entry["row"]
        by_cluster[m.cluster_id][m.role].append(
            Member(
                m.id,
                m.hostname,
                m.role,
                m.is_first_master,
                m.location,
                m.swift_region,
                str(m.status),
                entry["addresses"],
            )
        )

    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for cluster_id, role, count in session.execute(
        select(Machine.cluster_id, Role.name, func.count())
        .join(Role, Role.id == Machine.role_id)
        .where(Machine.cluster_id.in_(ids))
        .group_by(Machine.cluster_id, Role.name)
    ):
        counts[cluster_id][role] = count

    networks: dict[int, list[NetworkView]] = defaultdict(list)
    for n in session.execute(
        select(Network, IpAddress.address)
        .outerjoin(
            IpAddress,
            and_(
                IpAddress.network_id == Network.id,
                IpAddress.machine_id.is_(None),
                IpAddress.purpose == "vip",
            ),
        )
        .where(Network.cluster_id.in_(ids))
        .order_by(Network.id)
    ):
        net = n[0]
        networks[net.cluster_id].append(
            NetworkView(
                net.name,
                net.cidr,
                net.ip_version,
                net.role or "all",
                net.iface1 or "",
                net.iface2,
                net.mtu,
                net.vlan,
                net.bridge_name,
                net.is_public,
                n.address,
            )
        )

    views = {}
    for r in rows:
        views[r.id] = ClusterView(
            id=r.id,
            name=r.name,
            domain=r.domain,
            options=_options(r),
            networks=tuple(networks[r.id]),
            members={
                role: tuple(sorted(found, key=lambda m: _host_order(m.hostname)))
                for role, found in by_cluster[r.id].items()
            },
            counts=dict(counts[r.id]),
        )
    return views


def load(session: Session, fqdn: str, vault: Vault) -> Snapshot:
    row = _node_row(session, fqdn)
    own, remote, served = _cluster_rows(session, row.cluster_id)
    views = _views(session, [r for r in (own, remote, served) if r is not None])
    addresses = dict(
        session.execute(
            select(Network.name, IpAddress.address)
            .join(Network, Network.id == IpAddress.network_id)
            .where(IpAddress.machine_id == row.id)
        ).all()
    )
    nics = tuple(
        NicSpeed(n.name, n.speed_mbps, n.physical)
        for n in session.execute(
            select(Nic.name, Nic.speed_mbps, Nic.physical).where(Nic.machine_id == row.id)
        )
    )
    wanted = role_secrets.maximum(row.role)
    clear = {}
    if wanted:
        for name, token in session.execute(
            select(ClusterSecret.name, ClusterSecret.ciphertext).where(
                ClusterSecret.cluster_id == own.id, ClusterSecret.name.in_(sorted(wanted))
            )
        ):
            clear[name] = _decrypt(vault, own.id, name, token)
    member = Member(
        row.id,
        row.hostname,
        row.role,
        row.is_first_master,
        row.location,
        row.swift_region,
        str(row.status),
        addresses,
    )
    node = Node(
        member,
        row.settings or {},
        nics,
        row.datacenter,
        row.row,
        row.rack,
        row.u_position,
        row.compute_aggregate,
    )
    return Snapshot(
        node=node,
        cluster=views[own.id],
        secrets=clear,
        remote_swift=views[remote.id] if remote is not None else None,
        served_cluster=views[served.id] if served is not None else None,
    )
