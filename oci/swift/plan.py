"""The Swift rings a cluster needs, device by device (pure).

OCI's layout, read from its ``build_swift_ring``: one device per data disk of
every machine that stores Swift data (swift stores, and proxies whose
``swift_store_*`` options say so), in the account, container and object rings
by those options, and in ``object-N`` for an erasure-coded policy.

Each device is what the node's Puppet class configures, taken from the same
code as its ENC document (oci.enc.values): the disk names are its
``block_devices``, the address its ``machine_ip``, the region its
``swiftregion_id`` (its location's Swift region) and the zone its ``zoneid``
(its location). The host name and rack go into the device's meta, so that the
builder's listing says where a disk is. Ports are puppet-module-oci's: account
6002, container 6001, objects 6200 plus the disk's index (one object server per
disk, ``servers_per_port``; 6200 for every disk when it is 0).

A disk weighs its size in GB (10**9 bytes): a 4 TB disk weighs 4000, so mixed
disk sizes fill evenly. A fixed weight per ring may replace it (OCI's
``initial_*_weight``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from oci.enc.snapshot import ClusterView, Disk, Member, Node, Snapshot
from oci.enc.values import Values
from oci.errors import Invalid

__all__ = [
    "Device",
    "RingPlan",
    "RingSpec",
    "StoreHardware",
    "plan",
    "publish_targets",
    "weight_of",
]

ACCOUNT_PORT = 6002
CONTAINER_PORT = 6001
OBJECT_PORT = 6200
# puppet-module-oci's firewall opens 6200-6229 to the object servers.
LAST_OBJECT_PORT = 6229
KINDS = ("account", "container", "object")
STORING_ROLES = ("swiftstore", "swiftproxy")


@dataclass(frozen=True)
class StoreHardware:
    """What the ENC's cluster view lacks for a storing machine: its disks and rack."""

    disks: tuple[Disk, ...]
    rack: str | None = None


@dataclass(frozen=True)
class Device:
    region: int
    zone: int
    ip: str
    port: int
    device: str
    weight: float
    meta: str = ""

    @property
    def key(self) -> tuple[str, int, str]:
        """What one disk is to the builder: a device moved elsewhere is another one."""
        return (self.ip, self.port, self.device)


@dataclass(frozen=True)
class RingSpec:
    name: str  # account, container, object, or object-N (policy N)
    part_power: int
    replicas: float
    min_part_hours: int
    devices: tuple[Device, ...]

    @property
    def builder_file(self) -> str:
        return f"{self.name}.builder"

    @property
    def ring_file(self) -> str:
        return f"{self.name}.ring.gz"


@dataclass(frozen=True)
class RingPlan:
    cluster: str
    rings: tuple[RingSpec, ...]
    problems: tuple[str, ...] = ()  # what was left out, and why


def weight_of(size_bytes: int) -> float:
    return round(size_bytes / 10**9, 2)


def _values(view: ClusterView, member: Member, disks: tuple[Disk, ...] = ()) -> Values:
    return Values(Snapshot(node=Node(member=member, disks=disks), cluster=view))


def _meta(member: Member, rack: str | None) -> str:
    return member.hostname + (f" rack={rack}" if rack else "")


def plan(
    view: ClusterView,
    hardware: Mapping[int, StoreHardware],
    *,
    weights: Mapping[str, float] | None = None,
    ec_only: bool = False,
) -> RingPlan:
    """The rings of ``view``'s cluster. ``hardware``: by member id, the storing
    machines' disks; ``weights``: a fixed weight for the account, container or
    object ring's devices; ``ec_only``: only the erasure-coded ring (OCI's --ec-only)."""
    options = view.options
    ec = bool(options.swift_ec_enable)
    if ec_only and not ec:
        raise Invalid(
            f"cluster {view.name} has no erasure-coded policy (swift_ec_enable is off): "
            "there is no EC ring to build"
        )
    fixed = dict(weights or {})
    devices: dict[str, list[Device]] = {kind: [] for kind in KINDS}
    problems: list[str] = []
    for role in STORING_ROLES:
        for member in view.listed(role):
            found = hardware.get(member.id, StoreHardware(()))
            _add_member(view, member, found, fixed, devices, problems)
    if not any(devices.values()):
        raise Invalid(
            f"cluster {view.name} has no Swift store with a data disk: there is no ring to build",
            {"problems": problems},
        )
    part_power, mph = int(options.swift_part_power), int(options.swift_min_part_hours)
    rings: list[RingSpec] = []
    kinds = () if ec_only else KINDS
    for kind in kinds:
        if not devices[kind]:
            problems.append(f"no machine stores Swift {kind}s: no {kind} ring")
            continue
        replicas = float(options.swift_replicas)
        rings.append(RingSpec(kind, part_power, replicas, mph, tuple(devices[kind])))
    if ec and devices["object"]:
        fragments = int(options.swift_ec_num_data_fragments) + int(
            options.swift_ec_num_parity_fragments
        )
        name = f"object-{int(options.swift_ec_policy_index)}"
        rings.append(RingSpec(name, part_power, float(fragments), mph, tuple(devices["object"])))
    return RingPlan(view.name, tuple(rings), tuple(problems))


def _add_member(
    view: ClusterView,
    member: Member,
    hardware: StoreHardware,
    fixed: Mapping[str, float],
    devices: dict[str, list[Device]],
    problems: list[str],
) -> None:
    values = _values(view, member, hardware.disks)
    settings = member.settings
    stores = {
        "account": bool(settings.swift_store_account),
        "container": bool(settings.swift_store_container),
        "object": bool(settings.swift_store_object),
    }
    disks = values.block_devices
    if not any(stores.values()) or not disks:
        return  # a proxy that stores nothing, or has no disk but its system's
    ip, region, zone = values.machine_ip, values.swiftregion_id, values.zoneid
    if ip is None or region is None or zone is None:
        why = "no management address" if ip is None else "no location"
        problems.append(f"{member.hostname} left out: {why}")
        return
    sizes = {d.name: d.size_bytes for d in hardware.disks}
    one_port = int(settings.servers_per_port) == 0
    meta = _meta(member, hardware.rack)
    for index, name in enumerate(disks):
        size_weight = weight_of(sizes[name])
        if size_weight <= 0:
            problems.append(f"{member.hostname} {name} left out: its size is 0")
            continue
        ports = {
            "account": ACCOUNT_PORT,
            "container": CONTAINER_PORT,
            "object": OBJECT_PORT if one_port else OBJECT_PORT + index,
        }
        if ports["object"] > LAST_OBJECT_PORT:
            problems.append(
                f"{member.hostname} {name}: object port {ports['object']} is past "
                f"{LAST_OBJECT_PORT}, which puppet-module-oci's firewall opens"
            )
        for kind in KINDS:
            if stores[kind]:
                weight = fixed.get(kind, size_weight)
                devices[kind].append(Device(region, zone, ip, ports[kind], name, weight, meta))


def publish_targets(view: ClusterView) -> list[tuple[Member, str | None]]:
    """The machines that read the rings, with their management address: the Swift
    stores and proxies, and the controllers when they run Swift's proxy too (the ENC's
    has_subrole_swift: the cluster has stores)."""
    roles = ["swiftstore", "swiftproxy"]
    if view.has("swiftstore"):
        roles.append("controller")
    return [(m, _values(view, m).machine_ip) for role in roles for m in view.listed(role)]
