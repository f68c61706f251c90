"""What the dashboard's pages show, read in few queries (reads only).

The fleet and the racks read only the columns they show, as plain rows, so a
page of thousands of machines costs a handful of queries. The fleet also shows
the machines seen booting that are not known yet (boot sightings whose MAC is
no machine's NIC), as "booting" rows named by their MAC. The racking flags
come from oci.matching.racking.guess, on views built from the NICs and LLDP
neighbours alone (all that racking reads).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from oci.enrolment import ipam
from oci.inventory.view import MachineView, NeighbourView, NicView
from oci.matching import racking
from oci.models import (
    BootSighting,
    Cluster,
    IpAddress,
    LldpNeighbour,
    Machine,
    MachineEvent,
    MachineStatus,
    Network,
    Nic,
    Role,
)

__all__ = [
    "BOOTING",
    "FLEET_STATES",
    "STATES",
    "BootingRow",
    "FleetFilter",
    "FleetRow",
    "Rack",
    "RackView",
    "booting",
    "cluster_summary",
    "events_of",
    "fleet",
    "known_since",
    "racks",
    "state_counts",
]

STATES = tuple(state.value for state in MachineStatus)
# Seen asking for a boot script, not known yet: the fleet's first stage.
BOOTING = "booting"
FLEET_STATES = (BOOTING, *STATES)


def row_id(mac: str) -> str:
    """The fleet table's row id of a booting MAC (the feed removes it by this)."""
    return "b" + mac.replace(":", "")


@dataclass(frozen=True, slots=True)
class FleetRow:
    id: int
    serial: str | None
    hostname: str | None
    status: str
    cluster: str | None
    role: str | None
    datacenter: str | None
    row: str | None
    rack: str | None
    u_position: int | None
    profile: str | None
    product: str | None
    last_seen: datetime | None

    @property
    def key(self) -> str:
        return self.serial or self.hostname or str(self.id)

    @property
    def quoted_key(self) -> str:
        return quote(self.key, safe="")

    @property
    def place(self) -> str:
        if not self.rack:
            return ""
        u = f" U{self.u_position}" if self.u_position is not None else ""
        return f"{self.datacenter or '?'}/{self.row or '?'}/{self.rack}{u}"

    @property
    def row_id(self) -> str:
        return f"m{self.id}"

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row_id,
            "id": self.id,
            "key": self.key,
            "serial": self.serial or "",
            "hostname": self.hostname or "",
            "status": self.status,
            "cluster": self.cluster or "",
            "role": self.role or "",
            "place": self.place,
            "profile": self.profile or "",
            "product": self.product or "",
            "last_seen": seen(self.last_seen),
        }


@dataclass(frozen=True, slots=True)
class BootingRow:
    """A machine seen booting that is not known yet, by its booting NIC's MAC."""

    mac: str
    buildarch: str | None
    platform: str | None
    served: str
    first_seen: datetime
    last_seen: datetime
    requests: int
    status = BOOTING

    @property
    def row_id(self) -> str:
        return row_id(self.mac)

    @property
    def booted(self) -> str:
        """What it is and what it got: "x86_64 efi, ipxe live, since 12:00:01"."""
        kind = " ".join(part for part in (self.buildarch, self.platform) if part)
        since = self.first_seen.strftime("%H:%M:%S")
        return f"{kind or '?'}, {self.served}, since {since}"

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row_id,
            "key": "",
            "serial": "",
            "hostname": self.mac,
            "status": self.status,
            "cluster": "",
            "role": "",
            "place": "",
            "profile": "",
            "product": self.booted,
            "last_seen": seen(self.last_seen),
        }


def seen(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else ""


@dataclass(frozen=True)
class FleetFilter:
    q: str = ""
    state: str = ""
    cluster: str = ""
    role: str = ""

    @property
    def active(self) -> bool:
        return bool(self.q or self.state or self.cluster or self.role)


# A select of any columns (SQLAlchemy types a select by its columns' types).
_Select = Select[*tuple[Any, ...]]
_ClusterName = aliased(Cluster)
_RoleName = aliased(Role)


def _fleet_select() -> _Select:
    stmt: _Select = (
        select(
            Machine.id,
            Machine.serial,
            Machine.hostname,
            Machine.status,
            _ClusterName.name,
            _RoleName.name,
            Machine.datacenter,
            Machine.row,
            Machine.rack,
            Machine.u_position,
            Machine.hardware_profile,
            Machine.product_name,
            Machine.last_seen,
        )
        .outerjoin(_ClusterName, Machine.cluster_id == _ClusterName.id)
        .outerjoin(_RoleName, Machine.role_id == _RoleName.id)
    )
    return stmt


def _rows(session: Session, stmt: _Select) -> list[FleetRow]:
    return [
        FleetRow(r[0], r[1], r[2], str(r[3]), *r[4:])
        for r in session.execute(stmt.order_by(Machine.id))
    ]


def fleet(session: Session, wanted: FleetFilter) -> list[FleetRow]:
    """Every machine the filter keeps, in discovery order."""
    stmt = _fleet_select()
    if wanted.state in STATES:
        stmt = stmt.where(Machine.status == MachineStatus(wanted.state))
    if wanted.cluster:
        stmt = stmt.where(_ClusterName.name == wanted.cluster)
    if wanted.role:
        stmt = stmt.where(_RoleName.name == wanted.role)
    if wanted.q:
        like = f"%{wanted.q.lower()}%"
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).like(like)
                    for column in (
                        Machine.serial,
                        Machine.hostname,
                        Machine.product_name,
                        Machine.rack,
                        Machine.hardware_profile,
                    )
                )
            )
        )
    return _rows(session, stmt)


def _unknown() -> Any:
    """Sightings of MACs no machine has (yet)."""
    return BootSighting.mac.not_in(select(Nic.mac))


def booting(
    session: Session, wanted: FleetFilter, since: datetime | None = None
) -> list[BootingRow]:
    """The machines seen booting and not known, oldest first; only those
    seen at or after ``since`` when given (the live page)."""
    if wanted.state not in ("", BOOTING) or wanted.cluster or wanted.role:
        return []
    stmt = select(
        BootSighting.mac,
        BootSighting.buildarch,
        BootSighting.platform,
        BootSighting.served,
        BootSighting.first_seen,
        BootSighting.last_seen,
        BootSighting.requests,
    ).where(_unknown())
    if wanted.q:
        stmt = stmt.where(func.lower(BootSighting.mac).like(f"%{wanted.q.lower()}%"))
    if since is not None:
        stmt = stmt.where(BootSighting.last_seen >= since)
    return [BootingRow(*r) for r in session.execute(stmt.order_by(BootSighting.id))]


def changed_since(session: Session, since: datetime) -> list[FleetRow]:
    """The machines whose row changed at or after ``since`` (the live fleet page)."""
    return _rows(session, _fleet_select().where(Machine.updated_at >= since))


def known_since(session: Session, since: datetime) -> list[str]:
    """Row ids of booting MACs that became NICs of machines changed at or after
    ``since``: the live page drops those rows (the machine's own row comes in)."""
    stmt = (
        select(BootSighting.mac)
        .join(Nic, Nic.mac == BootSighting.mac)
        .join(Machine, Nic.machine_id == Machine.id)
        .where(Machine.updated_at >= since)
        .distinct()
    )
    return [row_id(mac) for mac in session.scalars(stmt)]


def state_counts(session: Session) -> dict[str, int]:
    """Machines per state, the booting ones first."""
    stmt = select(Machine.status, func.count()).group_by(Machine.status)
    counted = {state: n for state, n in session.execute(stmt)}
    unknown = select(func.count()).select_from(BootSighting).where(_unknown())
    return {BOOTING: session.scalar(unknown) or 0} | {
        state: counted.get(MachineStatus(state), 0) for state in STATES
    }


def cluster_counts(session: Session) -> dict[int, int]:
    """Machines per cluster id."""
    stmt = (
        select(Machine.cluster_id, func.count())
        .where(Machine.cluster_id.is_not(None))
        .group_by(Machine.cluster_id)
    )
    return {cluster: n for cluster, n in session.execute(stmt) if cluster is not None}


def choices(session: Session) -> tuple[list[str], list[str]]:
    """Cluster and role names, for the fleet's filters."""
    clusters = list(session.scalars(select(Cluster.name).order_by(Cluster.name)))
    roles = list(session.scalars(select(Role.name).order_by(Role.name)))
    return clusters, roles


# -- racks ----------------------------------------------------------------------


@dataclass
class Rack:
    datacenter: str
    row: str
    name: str
    height: int
    # U -> the machines standing there (two in one U is worth seeing, not hiding)
    units: dict[int, list[FleetRow]] = field(default_factory=dict)
    without_u: list[FleetRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.datacenter} / {self.row} / {self.name}"

    @property
    def anchor(self) -> str:
        return "rack-" + "-".join(
            "".join(c if c.isalnum() else "_" for c in part)
            for part in (self.datacenter, self.row, self.name)
        )

    def levels(self) -> list[tuple[int, list[FleetRow]]]:
        """Top U first, as an elevation is drawn."""
        return [(u, self.units.get(u, [])) for u in range(self.height, 0, -1)]

    @property
    def count(self) -> int:
        return sum(len(m) for m in self.units.values()) + len(self.without_u)


@dataclass
class RackView:
    racks: list[Rack]
    unplaced: list[FleetRow]
    flagged: list[tuple[FleetRow, tuple[str, ...]]]
    rules_problem: str | None


RACK_UNITS = 42


def _views(session: Session, ids: Iterable[int]) -> dict[int, MachineView]:
    """Racking's inputs (physical NICs and LLDP neighbours) for every machine."""
    nics: dict[int, list[NicView]] = defaultdict(list)
    heard: dict[int, list[NeighbourView]] = defaultdict(list)
    for machine_id, name, physical, speed, product, link_up in session.execute(
        select(
            Nic.machine_id, Nic.name, Nic.physical, Nic.speed_mbps, Nic.product_name, Nic.link_up
        )
    ):
        nics[machine_id].append(NicView(name, physical, speed, product, link_up))
    for machine_id, interface, switch, port in session.execute(
        select(
            LldpNeighbour.machine_id,
            LldpNeighbour.interface,
            LldpNeighbour.switch_name,
            LldpNeighbour.port_id,
        )
    ):
        heard[machine_id].append(NeighbourView(interface, switch, port))
    return {
        i: MachineView(nics=tuple(nics.get(i, ())), neighbours=tuple(heard.get(i, ()))) for i in ids
    }


def racks(session: Session, rules: racking.Rules | str) -> RackView:
    """Placed machines by datacenter / row / rack and U; the unplaced; the flagged."""
    rows = _rows(session, _fleet_select())
    by_rack: dict[tuple[str, str, str], Rack] = {}
    unplaced: list[FleetRow] = []
    for machine in rows:
        if not machine.rack:
            unplaced.append(machine)
            continue
        where = (machine.datacenter or "?", machine.row or "?", machine.rack)
        rack = by_rack.get(where)
        if rack is None:
            rack = by_rack[where] = Rack(*where, height=RACK_UNITS)
        if machine.u_position is None or machine.u_position < 1:
            rack.without_u.append(machine)
        else:
            rack.units.setdefault(machine.u_position, []).append(machine)
            rack.height = max(rack.height, machine.u_position)
    flagged: list[tuple[FleetRow, tuple[str, ...]]] = []
    problem = rules if isinstance(rules, str) else None
    if not isinstance(rules, str):
        views = _views(session, (m.id for m in rows))
        for machine in rows:
            flags = racking.guess(views[machine.id], rules).flags
            if flags:
                flagged.append((machine, flags))
    ordered = [by_rack[k] for k in sorted(by_rack)]
    return RackView(ordered, unplaced, flagged, problem)


# -- one machine, one cluster ---------------------------------------------------------


def events_of(session: Session, machine_id: int, limit: int = 500) -> list[MachineEvent]:
    """A machine's events, oldest first (a timeline), the newest ``limit`` of them."""
    newest = list(
        session.scalars(
            select(MachineEvent)
            .where(MachineEvent.machine_id == machine_id)
            .order_by(MachineEvent.id.desc())
            .limit(limit)
        )
    )
    return newest[::-1]


@dataclass(frozen=True)
class NetworkUse:
    name: str
    cidr: str
    role: str | None
    is_public: bool
    used: int
    usable: int

    @property
    def percent(self) -> int:
        return round(100 * self.used / self.usable) if self.usable else 0


@dataclass(frozen=True)
class Vip:
    network: str
    usage: str
    address: str


@dataclass
class ClusterSummary:
    name: str
    domain: str
    roles: list[tuple[str, int]]
    states: Counter[str]
    networks: list[NetworkUse]
    vips: list[Vip]
    machines: list[FleetRow]


def cluster_summary(session: Session, cluster: Cluster) -> ClusterSummary:
    machines = _rows(session, _fleet_select().where(Machine.cluster_id == cluster.id))
    roles = Counter(m.role or "(none)" for m in machines)
    counted = (
        select(IpAddress.network_id, func.count())
        .join(Network, IpAddress.network_id == Network.id)
        .where(Network.cluster_id == cluster.id)
        .group_by(IpAddress.network_id)
    )
    used = {network: n for network, n in session.execute(counted)}
    networks = [
        NetworkUse(
            n.name,
            n.cidr,
            n.role,
            n.is_public,
            used.get(n.id, 0),
            ipam.usable_count(n.ip_network),
        )
        for n in session.scalars(
            select(Network).where(Network.cluster_id == cluster.id).order_by(Network.name)
        )
    ]
    vips = [
        Vip(network, usage or "", address)
        for network, usage, address in session.execute(
            select(Network.name, IpAddress.vip_usage, IpAddress.address)
            .join(Network, IpAddress.network_id == Network.id)
            .where(Network.cluster_id == cluster.id, IpAddress.purpose == "vip")
            .order_by(Network.name, IpAddress.vip_usage)
        )
    ]
    return ClusterSummary(
        cluster.name,
        cluster.domain,
        sorted(roles.items()),
        Counter(m.status for m in machines),
        networks,
        vips,
        sorted(machines, key=lambda m: (m.role or "", m.hostname or "", m.id)),
    )
