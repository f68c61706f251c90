"""The inventory, read into an ENC snapshot: the one reader of the database for the ENC.

A cluster's view (every member with its addresses and root public key, the
networks and their VIPs, the options, the clear secrets) costs a few queries
whatever the cluster's size, and is kept until the cluster's ``enc_serial``
moves (oci.models.changes bumps it in the transaction of every write that can
change a document). A node adds its own rows: disks, NIC drivers, its root
private key, and its certificates from the PKI directory.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from oci.enc.snapshot import (
    Certificates,
    ClusterView,
    Controller,
    Disk,
    Member,
    NetworkView,
    Node,
    Snapshot,
)
from oci.enrolment import clusters
from oci.enrolment.options import ClusterOptions, MachineSettings
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
    RootKeyPair,
    StorageController,
    SwiftRegion,
)
from oci.models import Disk as DiskRow
from oci.security.pki import Pki
from oci.security.vault import Vault

_NUMBER = re.compile(r"-(\d+)\.")

_m = Machine.__table__.c
_r = Role.__table__.c
_l = Location.__table__.c
_sr = SwiftRegion.__table__.c
_n = Network.__table__.c
_ip = IpAddress.__table__.c
_c = Cluster.__table__.c
_k = RootKeyPair.__table__.c
_s = ClusterSecret.__table__.c
_d = DiskRow.__table__.c
_nic = Nic.__table__.c

NODE = select(_m.id, _m.cluster_id).where(
    _m.hostname == bindparam("fqdn"), _m.cluster_id.is_not(None)
)
CLUSTERS = select(_c.id, _c.name, _c.domain, _c.options, _c.enc_serial)
MEMBERS = (
    select(
        _m.id,
        _m.hostname,
        _m.is_first_master,
        _m.status,
        _m.settings,
        _r.name.label("role"),
        _l.id.label("location_id"),
        _l.name.label("location"),
        _sr.id.label("swift_region_id"),
        _sr.name.label("swift_region"),
        _k.public_key,
    )
    .select_from(
        Machine.__table__.join(Role.__table__, _r.id == _m.role_id)
        .outerjoin(Location.__table__, _l.id == _m.location_id)
        .outerjoin(SwiftRegion.__table__, _sr.id == _l.swift_region_id)
        .outerjoin(RootKeyPair.__table__, _k.machine_id == _m.id)
    )
    .where(_m.cluster_id == bindparam("cluster"), _m.hostname.is_not(None))
)
# Host addresses of the cluster's machines: a BMC's address is no interface's.
ADDRESSES = (
    select(_ip.machine_id, _n.name, _ip.address)
    .select_from(IpAddress.__table__.join(Network.__table__, _n.id == _ip.network_id))
    .where(
        _ip.purpose == "host",
        _ip.machine_id.in_(select(_m.id).where(_m.cluster_id == bindparam("cluster"))),
    )
)
NETWORKS = (
    select(
        _n.id,
        _n.name,
        _n.address,
        _n.prefix_length,
        _n.ip_version,
        _n.role,
        _n.iface1,
        _n.iface2,
        _n.mtu,
        _n.vlan,
        _n.bridge_name,
        _n.is_public,
    )
    .where(_n.cluster_id == bindparam("cluster"))
    .order_by(_n.id)
)
VIPS = (
    select(_ip.network_id, _ip.vip_usage, _ip.address)
    .select_from(IpAddress.__table__.join(Network.__table__, _n.id == _ip.network_id))
    .where(
        and_(_n.cluster_id == bindparam("cluster"), _ip.machine_id.is_(None)),
        _ip.purpose == "vip",
    )
)
SECRETS = select(_s.name, _s.ciphertext).where(_s.cluster_id == bindparam("cluster"))
DISKS = select(_d.name, _d.size_bytes, _d.transport).where(_d.machine_id == bindparam("machine"))
NIC_DRIVERS = (
    select(_nic.driver)
    .distinct()
    .where(_nic.machine_id == bindparam("machine"), _nic.driver.is_not(None))
)
ROOT_KEY = select(_k.private_ciphertext).where(_k.machine_id == bindparam("machine"))
_sc = StorageController.__table__.c
CONTROLLERS = (
    select(_sc.kind, _sc.model).where(_sc.machine_id == bindparam("machine")).order_by(_sc.name)
)


def _host_order(hostname: str) -> tuple[int, int, str]:
    match = _NUMBER.search(hostname)
    return (int(match[1]) if match else 0, len(hostname), hostname)


class _Views:
    """Cluster views by database and id, each valid while its enc_serial is unchanged."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # One entry per database (engine): tests and tools may open several.
        self._views: weakref.WeakKeyDictionary[Engine, dict[int, tuple[int, ClusterView]]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, engine: Engine, cluster_id: int, serial: int) -> ClusterView | None:
        found = self._views.get(engine, {}).get(cluster_id)
        return found[1] if found is not None and found[0] == serial else None

    def put(self, engine: Engine, cluster_id: int, serial: int, view: ClusterView) -> None:
        with self._lock:
            self._views.setdefault(engine, {})[cluster_id] = (serial, view)

    def clear(self) -> None:
        with self._lock:
            self._views.clear()


VIEWS = _Views()
_tokens: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()
_next_token = [0]


def database_token(engine: Engine) -> int:
    """A number of this database (engine) never given to another in this process."""
    token = _tokens.get(engine)
    if token is None:
        _next_token[0] += 1
        token = _tokens[engine] = _next_token[0]
    return token


# Clear values by (cluster, name, ciphertext): Fernet tokens are random, so a
# changed secret has a new token and a new entry.
_clear: dict[tuple[int, str, str], str] = {}


def _decrypt(vault: Vault, cluster_id: int, name: str, token: str) -> str:
    key = (cluster_id, name, token)
    value = _clear.get(key)
    if value is None:
        if len(_clear) > 100_000:
            _clear.clear()
        value = _clear[key] = vault.decrypt(token)
    return value


def _options(row: Any) -> ClusterOptions:
    cluster = Cluster(name=row.name, domain=row.domain, options=row.options or {})
    return clusters.cluster_options(cluster)


def _member(row: Any, addresses: dict[str, str]) -> Member:
    return Member(
        id=row.id,
        hostname=row.hostname,
        role=row.role,
        is_first_master=row.is_first_master,
        status=str(row.status),
        addresses=addresses,
        location_id=row.location_id,
        location=row.location or "",
        swift_region_id=row.swift_region_id,
        swift_region=row.swift_region or "",
        settings=MachineSettings.model_validate(row.settings or {}),
        root_public_key=row.public_key,
    )


def cluster_view(connection: Connection, row: Any, vault: Vault | None) -> ClusterView:
    """Read one cluster whole (uncached); without its secrets when ``vault`` is None (the
    Swift rings need none, so no key to read them)."""
    params = {"cluster": row.id}
    addresses: dict[int, dict[str, str]] = defaultdict(dict)
    for machine_id, network, address in connection.execute(ADDRESSES, params):
        addresses[machine_id][network] = address
    members: dict[str, list[Member]] = defaultdict(list)
    for m in connection.execute(MEMBERS, params):
        members[m.role].append(_member(m, addresses.get(m.id, {})))
    vips: dict[int, dict[str, str]] = defaultdict(dict)
    for network_id, usage, address in connection.execute(VIPS, params):
        vips[network_id][usage or "api"] = address
    networks = tuple(
        NetworkView(
            id=n.id,
            name=n.name,
            cidr=f"{n.address}/{n.prefix_length}",
            ip_version=n.ip_version,
            role=n.role or "all",
            iface1=n.iface1 or "",
            iface2=n.iface2,
            mtu=n.mtu,
            vlan=n.vlan,
            bridge=n.bridge_name,
            is_public=n.is_public,
            vips=vips.get(n.id, {}),
        )
        for n in connection.execute(NETWORKS, params)
    )
    clear = {}
    if vault is not None:
        clear = {
            name: _decrypt(vault, row.id, name, token)
            for name, token in connection.execute(SECRETS, params)
        }
    return ClusterView(
        id=row.id,
        name=row.name,
        domain=row.domain,
        options=_options(row),
        networks=networks,
        members={
            role: tuple(sorted(found, key=lambda m: _host_order(m.hostname)))
            for role, found in members.items()
        },
        secrets=clear,
    )


def _view(connection: Connection, row: Any, vault: Vault) -> ClusterView:
    view = VIEWS.get(connection.engine, row.id, row.enc_serial)
    if view is None:
        view = cluster_view(connection, row, vault)
        VIEWS.put(connection.engine, row.id, row.enc_serial, view)
    return view


def cluster_rows(connection: Connection, cluster_id: int) -> tuple[Any, Any, Any]:
    """(the node's cluster, its remote Swift cluster, the cluster it serves as one)."""
    rows = connection.execute(CLUSTERS).all()
    own = next(r for r in rows if r.id == cluster_id)
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


def node_cluster(connection: Connection, fqdn: str) -> tuple[int, int]:
    """(machine id, cluster id) of an enrolled machine, or NotFound."""
    row = connection.execute(NODE, {"fqdn": fqdn}).one_or_none()
    if row is None:
        raise NotFound(f"no enrolled machine with host name {fqdn!r}")
    return row.id, row.cluster_id


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        return ""


def certificates(pki: Pki | None, cluster: str, fqdn: str) -> Certificates:
    if pki is None:
        return Certificates()
    node_crt, node_key = pki.node_paths(fqdn)
    api_crt, api_key, _ = pki.api_paths(cluster)
    return Certificates(
        ca_chain=_read(pki.chain_path),
        oci_ca=_read(pki.root / "intermediate-ca.crt"),
        root_ca=_read(pki.root / "root-ca.crt"),
        api_certificate=_read(api_crt),
        api_key=_read(api_key),
        node_certificate=_read(node_crt),
        node_key=_read(node_key),
    )


@dataclass(frozen=True)
class Located:
    """An enrolled node, its cluster's row and the rows of the clusters linked to it."""

    machine_id: int
    own: Any
    remote: Any
    served: Any

    @property
    def serials(self) -> tuple[int, ...]:
        """The clusters' enc_serials: a document built at these is still current."""
        rows = (self.own, self.remote, self.served)
        return tuple(r.enc_serial if r is not None else -1 for r in rows)


def locate(connection: Connection, fqdn: str) -> Located:
    """The node and its clusters' rows (two small queries), or NotFound."""
    machine_id, cluster_id = node_cluster(connection, fqdn)
    return Located(machine_id, *cluster_rows(connection, cluster_id))


def load(
    session: Session,
    fqdn: str,
    vault: Vault,
    pki: Pki | None = None,
    server: dict[str, Any] | None = None,
    located: Located | None = None,
) -> Snapshot:
    """``located``: what locate() already read for this node in this transaction."""
    connection = session.connection()
    found = located or locate(connection, fqdn)
    machine_id, own, remote, served = found.machine_id, found.own, found.remote, found.served
    view = _view(connection, own, vault)
    member = next((m for found in view.members.values() for m in found if m.id == machine_id), None)
    if member is None:  # enrolled but of no role: not classifiable
        raise NotFound(f"machine {fqdn!r} has no role in cluster {own.name!r}")
    drivers = connection.scalars(NIC_DRIVERS, {"machine": machine_id}).all()
    private = connection.execute(ROOT_KEY, {"machine": machine_id}).scalar_one_or_none()
    row = connection.execute(
        select(_m.datacenter, _m.row, _m.rack, _m.u_position, _m.compute_aggregate).where(
            _m.id == machine_id
        )
    ).one()
    node = Node(
        member=member,
        disks=tuple(
            Disk(d.name, d.size_bytes, d.transport)
            for d in connection.execute(DISKS, {"machine": machine_id})
        ),
        nic_drivers=tuple(sorted(drivers)),
        controllers=tuple(
            Controller(row.kind, row.model)
            for row in connection.execute(CONTROLLERS, {"machine": machine_id})
        ),
        root_private_key=vault.decrypt(private) if private else None,
        certificates=certificates(pki, own.name, fqdn),
        datacenter=row.datacenter,
        row=row.row,
        rack=row.rack,
        u_position=row.u_position,
        compute_aggregate=row.compute_aggregate,
    )
    return Snapshot(
        node=node,
        cluster=view,
        remote_swift=_view(connection, remote, vault) if remote is not None else None,
        served_cluster=_view(connection, served, vault) if served is not None else None,
        server=server or {},
    )
