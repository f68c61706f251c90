"""The inventory, read into an ENC snapshot in a handful of indexed queries.

OCI's ENC runs dozens of queries per call; this one runs six whatever the
cluster's size: the node, the clusters, the listed members and the node with
their addresses, the roles present, the networks with their VIPs, and the
secrets its role may use (plus the node's NICs when BGP needs them). Computes,
OSD nodes and Swift stores are never listed, only known to exist, and every
query is an index lookup: the cost does not grow with the cluster.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, exists, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from oci.enc import secrets as role_secrets
from oci.enc.snapshot import LISTED_ROLES, ClusterView, Member, NetworkView, Node, Snapshot
from oci.enrolment import clusters
from oci.enrolment.ipam import NicSpeed
from oci.enrolment.options import ClusterOptions
from oci.errors import NotFound
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
from oci.security.vault import Vault

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


# (name, domain, options as JSON) -> validated options: validation costs more than the
# rest of a cluster's view, and options change rarely.
_options_cache: dict[tuple[str, str, str], ClusterOptions] = {}


def _options(row: Any) -> ClusterOptions:
    key = (row.name, row.domain, json.dumps(row.options or {}, sort_keys=True))
    options = _options_cache.get(key)
    if options is None:
        if len(_options_cache) > 1000:
            _options_cache.clear()
        cluster = Cluster(name=row.name, domain=row.domain, options=row.options or {})
        options = _options_cache[key] = clusters.cluster_options(cluster)
    return options


# The statements, built once: only their parameters change between calls. Core
# tables (not ORM entities) keep each call to a cursor's worth of work.
_m = Machine.__table__.c
_r = Role.__table__.c
_l = Location.__table__.c
_sr = SwiftRegion.__table__.c
_n = Network.__table__.c
_ip = IpAddress.__table__.c
_c = Cluster.__table__.c
_places = (
    Machine.__table__.join(Role.__table__, _r.id == _m.role_id)
    .join(Location.__table__, _l.id == _m.location_id)
    .join(SwiftRegion.__table__, _sr.id == _l.swift_region_id)
)
_IDS: BindParameter[int] = bindparam("ids", expanding=True)  # cluster ids

NODE = (
    select(
        _m.id,
        _m.hostname,
        _m.cluster_id,
        _m.is_first_master,
        _m.status,
        _m.settings,
        _m.datacenter,
        _m.row,
        _m.rack,
        _m.u_position,
        _m.compute_aggregate,
        _r.name.label("role"),
        _l.name.label("location"),
        _sr.name.label("swift_region"),
    )
    .select_from(_places)
    .where(_m.hostname == bindparam("fqdn"), _m.cluster_id.is_not(None))
)
CLUSTERS = select(_c.id, _c.name, _c.domain, _c.options)
# The listed members of the clusters, and the node itself, with their addresses.
MEMBERS = (
    select(
        _m.id,
        _m.hostname,
        _m.cluster_id,
        _m.is_first_master,
        _m.status,
        _r.name.label("role"),
        _n.name.label("network"),
        _ip.address,
    )
    .select_from(
        Machine.__table__.join(Role.__table__, _r.id == _m.role_id)
        # Host addresses only: a BMC's address (purpose bmc) is no interface's.
        .outerjoin(IpAddress.__table__, and_(_ip.machine_id == _m.id, _ip.purpose == "host"))
        .outerjoin(Network.__table__, _n.id == _ip.network_id)
    )
    .where(
        or_(
            and_(
                _m.cluster_id.in_(_IDS),
                _m.role_id.in_(select(_r.id).where(_r.name.in_(LISTED_ROLES)).scalar_subquery()),
            ),
            _m.id == bindparam("node"),
        )
    )
)
# (cluster, role) for every role a cluster has a machine of: one index probe per
# pair (ix_machines_cluster_id_role_id), never a scan of the cluster's machines.
_any = Machine.__table__.alias("any_machine").c
PRESENT = (
    select(_c.id, _r.name)
    .select_from(Cluster.__table__.join(Role.__table__, true()))
    .where(
        _c.id.in_(_IDS),
        exists().where(_any.cluster_id == _c.id, _any.role_id == _r.id),
    )
)
NETWORKS = (
    select(
        _n.cluster_id,
        _n.name,
        _n.address.label("network_address"),
        _n.prefix_length,
        _n.ip_version,
        _n.role,
        _n.iface1,
        _n.iface2,
        _n.mtu,
        _n.vlan,
        _n.bridge_name,
        _n.is_public,
        _ip.address.label("vip"),
    )
    .select_from(
        Network.__table__.outerjoin(
            IpAddress.__table__,
            and_(_ip.network_id == _n.id, _ip.machine_id.is_(None), _ip.purpose == "vip"),
        )
    )
    .where(_n.cluster_id.in_(_IDS))
    .order_by(_n.id)
)
_nic = Nic.__table__.c
NICS = select(_nic.name, _nic.speed_mbps, _nic.physical).where(
    _nic.machine_id == bindparam("machine")
)
_s = ClusterSecret.__table__.c
SECRETS = select(_s.name, _s.ciphertext).where(
    _s.cluster_id == bindparam("cluster"), _s.name.in_(bindparam("names", expanding=True))
)


def _node_row(connection: Connection, fqdn: str) -> Any:
    row = connection.execute(NODE, {"fqdn": fqdn}).one_or_none()
    if row is None:
        raise NotFound(f"no enrolled machine with host name {fqdn!r}")
    return row


def _cluster_rows(connection: Connection, node_cluster_id: int) -> tuple[Any, Any, Any]:
    """(the node's cluster, its remote Swift cluster, the cluster it serves as one)."""
    rows = connection.execute(CLUSTERS).all()
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


def _views(
    connection: Connection, rows: list[Any], node: Any
) -> tuple[dict[int, ClusterView], dict[str, str]]:
    """The clusters' views, and the node's addresses (network name -> address)."""
    ids = {"ids": [r.id for r in rows]}
    members: dict[int, dict[str, Any]] = {}
    for m in connection.execute(MEMBERS, ids | {"node": node.id}):
        entry = members.setdefault(m.id, {"row": m, "addresses": {}})
        if m.network is not None:
            entry["addresses"][m.network] = m.address
    node_addresses = members[node.id]["addresses"] if node.id in members else {}
    by_cluster: dict[int, dict[str, list[Member]]] = defaultdict(lambda: defaultdict(list))
    for entry in members.values():
        m = entry["row"]
        if m.role not in LISTED_ROLES:
            continue  # the node itself, of a role only counted
        by_cluster[m.cluster_id][m.role].append(
            Member(
                m.id,
                m.hostname,
                m.role,
                m.is_first_master,
                node.location if m.id == node.id else "",
                node.swift_region if m.id == node.id else "",
                str(m.status),
                entry["addresses"],
            )
        )

    present: dict[int, set[str]] = defaultdict(set)
    for cluster_id, role in connection.execute(PRESENT, ids):
        present[cluster_id].add(role)

    networks: dict[int, list[NetworkView]] = defaultdict(list)
    for n in connection.execute(NETWORKS, ids):
        networks[n.cluster_id].append(
            NetworkView(
                n.name,
                f"{n.network_address}/{n.prefix_length}",
                n.ip_version,
                n.role or "all",
                n.iface1 or "",
                n.iface2,
                n.mtu,
                n.vlan,
                n.bridge_name,
                n.is_public,
                n.vip,
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
            present=frozenset(present[r.id]),
        )
    return views, node_addresses


def load(session: Session, fqdn: str, vault: Vault) -> Snapshot:
    connection = session.connection()
    row = _node_row(connection, fqdn)
    own, remote, served = _cluster_rows(connection, row.cluster_id)
    views, addresses = _views(connection, [r for r in (own, remote, served) if r is not None], row)
    nics: tuple[NicSpeed, ...] = ()
    if views[own.id].options.bgp_to_host:  # only BGP peering resolves NIC names
        nics = tuple(
            NicSpeed(n.name, n.speed_mbps, n.physical)
            for n in connection.execute(NICS, {"machine": row.id})
        )
    wanted = role_secrets.maximum(row.role)
    clear = {}
    if wanted:
        for name, token in connection.execute(
            SECRETS, {"cluster": own.id, "names": sorted(wanted)}
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
