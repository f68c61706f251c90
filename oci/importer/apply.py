# Writes: regions, locations, clusters and their secrets, networks, machines (with their
# NICs, LLDP neighbours, disks, storage controllers and RAID drives), addresses.
"""Make our database match a plan, in the caller's transaction; say what changed.

Rows are found by their natural keys (names, serials, network and address), so
applying the same plan twice changes nothing the second time. Secrets are
compared in clear and re-encrypted only when they differ (a Fernet token is
different at every encryption). The caller commits, or rolls back for a dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.enrolment import secrets as cluster_secrets
from oci.enrolment.keys import give_root_key_pair
from oci.errors import Conflict
from oci.importer.mapping import (
    AddressRecord,
    ClusterRecord,
    MachineRecord,
    NetworkRecord,
    Plan,
)
from oci.models import (
    Bmc,
    Cluster,
    ClusterSecret,
    Disk,
    IpAddress,
    LldpNeighbour,
    Location,
    Machine,
    Network,
    Nic,
    RaidDrive,
    Role,
    RoleCounter,
    RootKeyPair,
    StorageController,
    SwiftRegion,
)
from oci.security.vault import Vault

__all__ = ["Outcome", "apply_plan"]

# Machine columns taken from OCI even for a machine that reported to us: where it
# stands and its state, which OCI decided.
_PLACE_AND_STATE = {"status", "datacenter", "row", "rack", "u_position"}


@dataclass
class Outcome:
    """One line per row created or changed; ``unchanged`` counts the others."""

    changes: list[str] = field(default_factory=list)
    unchanged: int = 0

    def note(self, created: bool, what: str, fields: Iterable[str] = ()) -> None:
        names = sorted(fields)
        if created:
            self.changes.append(f"create {what}")
        elif names:
            self.changes.append(f"update {what}: {', '.join(names)}")
        else:
            self.unchanged += 1


def _assign(row: Any, values: dict[str, Any]) -> list[str]:
    """Set ``values`` on ``row``; the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


def _one(session: Session, model: Any, **where: Any) -> Any:
    return session.scalar(select(model).filter_by(**where))


def _regions(session: Session, plan: Plan, out: Outcome) -> dict[str, SwiftRegion]:
    found = {}
    for name in plan.regions:
        region = _one(session, SwiftRegion, name=name)
        out.note(region is None, f"Swift region {name}")
        if region is None:
            region = SwiftRegion(name=name)
            session.add(region)
        found[name] = region
    session.flush()
    return found


def _locations(
    session: Session, plan: Plan, regions: dict[str, SwiftRegion], out: Outcome
) -> dict[str, Location]:
    found = {}
    for name, region_name in plan.locations.items():
        location = _one(session, Location, name=name)
        created = location is None
        if location is None:
            location = Location(name=name)
            session.add(location)
        region = regions[region_name]
        moved = not created and location.swift_region_id != region.id
        location.swift_region = region
        out.note(created, f"location {name}", ["swift_region"] if moved else [])
        found[name] = location
    session.flush()
    return found


def _secrets(
    session: Session, cluster: Cluster, record: ClusterRecord, vault: Vault, out: Outcome
) -> None:
    existing = {s.name: s for s in cluster.secrets}
    changed = []
    for name, value in record.secrets.items():
        secret = existing.get(name)
        if secret is None:
            cluster.secrets.append(ClusterSecret(name=name, ciphertext=vault.encrypt(value)))
            changed.append(name)
        elif vault.decrypt(secret.ciphertext) != value:
            secret.ciphertext = vault.encrypt(value)
            changed.append(name)
    for name in record.generate:
        for stored in cluster_secrets.stored_names(name):
            if stored not in existing and stored not in record.secrets:
                value = cluster_secrets.make(name)[stored]
                cluster.secrets.append(ClusterSecret(name=stored, ciphertext=vault.encrypt(value)))
                changed.append(stored)
    if changed:
        out.changes.append(
            f"set {len(changed)} secret(s) of cluster {cluster.name} (re-encrypted with our key)"
        )
    else:
        out.unchanged += 1
    session.flush()


def _clusters(
    session: Session, plan: Plan, roles: dict[str, Role], vault: Vault, out: Outcome
) -> dict[str, Cluster]:
    found = {}
    for record in plan.clusters:
        cluster = _one(session, Cluster, name=record.name)
        created = cluster is None
        if cluster is None:
            cluster = Cluster(name=record.name, domain=record.domain, options={})
            session.add(cluster)
            session.flush()
        changed = _assign(cluster, {"domain": record.domain, "options": dict(record.options)})
        out.note(created, f"cluster {record.name}", [] if created else changed)
        _secrets(session, cluster, record, vault, out)
        for role_name, next_number in record.role_counters.items():
            role = roles[role_name]
            counter = _one(session, RoleCounter, cluster_id=cluster.id, role_id=role.id)
            new = counter is None
            if counter is None:
                counter = RoleCounter(cluster_id=cluster.id, role_id=role.id)
                session.add(counter)
            moved = _assign(counter, {"next_number": next_number})
            out.note(new, f"role counter {record.name}/{role_name}", [] if new else moved)
        found[record.name] = cluster
    session.flush()
    return found


def _networks(
    session: Session,
    plan: Plan,
    locations: dict[str, Location],
    clusters: dict[str, Cluster],
    out: Outcome,
) -> dict[str, Network]:
    found = {}
    for record in plan.networks:
        network = _one(session, Network, name=record.name)
        created = network is None
        if network is None:
            network = Network(name=record.name)
            session.add(network)
        values = _network_values(record, locations, clusters)
        changed = _assign(network, values)
        out.note(
            created,
            f"network {record.name} ({record.address}/{record.prefix_length})",
            [] if created else changed,
        )
        found[record.name] = network
    session.flush()
    return found


def _network_values(
    record: NetworkRecord, locations: dict[str, Location], clusters: dict[str, Cluster]
) -> dict[str, Any]:
    return {
        "address": record.address,
        "prefix_length": record.prefix_length,
        "ip_version": record.ip_version,
        "location_id": locations[record.location].id,
        "is_public": record.is_public,
        "cluster_id": clusters[record.cluster].id if record.cluster else None,
        "role": record.role,
        "iface1": record.iface1,
        "iface2": record.iface2,
        "mtu": record.mtu,
        "vlan": record.vlan,
        "bridge_name": record.bridge_name,
        "first_ip": record.first_ip,
        "last_ip": record.last_ip,
        "ipmi_match_address": record.ipmi_match_address,
        "ipmi_match_prefix_length": record.ipmi_match_prefix_length,
    }


def _components(
    machine: Machine, relation: str, model: Any, key: str, wanted: list[dict[str, Any]]
) -> bool:
    """Make ``machine.<relation>`` hold exactly ``wanted`` (rows keyed by ``key``)."""
    rows = {getattr(r, key): r for r in getattr(machine, relation)}
    changed = False
    keep = set()
    for values in wanted:
        row = rows.get(values[key])
        keep.add(values[key])
        if row is None:
            getattr(machine, relation).append(model(**values))
            changed = True
        elif _assign(row, values):
            changed = True
    for name, row in rows.items():
        if name not in keep:
            getattr(machine, relation).remove(row)
            changed = True
    return changed


def _bmc(machine: Machine, record: MachineRecord, vault: Vault) -> bool:
    wanted = record.bmc
    if wanted is None:
        return False
    bmc = machine.bmc
    changed = bmc is None
    if bmc is None:
        bmc = machine.bmc = Bmc()
    values: dict[str, Any] = {
        "ip_address": wanted.ip_address,
        "firmware_version": wanted.firmware_version,
    }
    if wanted.ipmi_username is not None and wanted.ipmi_password is not None:
        values |= {
            "ipmi_address": wanted.ipmi_address or wanted.ip_address,
            "ipmi_port": wanted.ipmi_port,
            "ipmi_username": wanted.ipmi_username,
        }
        if bmc.ipmi_password is None or vault.decrypt(bmc.ipmi_password) != wanted.ipmi_password:
            bmc.ipmi_password = vault.encrypt(wanted.ipmi_password)
            changed = True
    return bool(_assign(bmc, values)) or changed


def _addresses(
    session: Session,
    owner: Machine | None,
    cluster: Cluster | None,
    wanted: Iterable[AddressRecord],
    networks: dict[str, Network],
) -> bool:
    """The machine's (or, with no machine, the cluster's VIP) addresses as ``wanted``."""
    if owner is not None:
        current = list(session.scalars(select(IpAddress).where(IpAddress.machine_id == owner.id)))
    else:
        assert cluster is not None
        current = list(
            session.scalars(
                select(IpAddress)
                .join(Network)
                .where(Network.cluster_id == cluster.id, IpAddress.purpose == "vip")
            )
        )
    target = {(networks[a.network].id, a.address, a.purpose, a.vip_usage) for a in wanted}
    have = {(r.network_id, r.address, r.purpose, r.vip_usage): r for r in current}
    changed = False
    for key, row in have.items():
        if key not in target:
            session.delete(row)
            changed = True
    session.flush()
    for key in sorted(target - set(have), key=str):
        network_id, address, purpose, usage = key
        taken = _one(session, IpAddress, network_id=network_id, address=address)
        if taken is not None:
            raise Conflict(
                f"address {address} on network {_network_names(networks)[network_id]} is "
                "already held in oci by another machine or VIP; free it first"
            )
        session.add(
            IpAddress(
                network_id=network_id,
                address=address,
                machine_id=owner.id if owner is not None else None,
                purpose=purpose,
                vip_usage=usage,
            )
        )
        changed = True
    session.flush()
    return changed


def _network_names(networks: dict[str, Network]) -> dict[int, str]:
    return {n.id: name for name, n in networks.items()}


def _machine(
    session: Session,
    record: MachineRecord,
    refs: dict[str, Any],
    vault: Vault,
    out: Outcome,
) -> None:
    machine = _one(session, Machine, serial=record.serial)
    created = machine is None
    if machine is None:
        machine = Machine(serial=record.serial, settings={})
        session.add(machine)
    # A machine that has reported to us already: our discovery knows its hardware
    # better than OCI's tables (disk serials, PCI devices, memory modules); only
    # its enrolment, options and BMC credentials come from OCI.
    ours_reported = bool(machine.discovery_count)
    if record.hostname is not None:
        other = _one(session, Machine, hostname=record.hostname)
        if other is not None and other is not machine:
            raise Conflict(
                f"host name {record.hostname} is machine {other.serial or other.id}'s in oci, "
                f"not {record.serial}'s; machine-remove it first"
            )
    taken = {k: v for k, v in record.columns.items() if not ours_reported or k in _PLACE_AND_STATE}
    values = taken | {
        "cluster_id": refs["clusters"][record.cluster].id if record.cluster else None,
        "role_id": refs["roles"][record.role].id if record.role else None,
        "location_id": refs["locations"][record.location].id if record.location else None,
        "hostname": record.hostname,
        "is_first_master": record.is_first_master,
        "settings": dict(record.settings),
    }
    changed = _assign(machine, values)
    session.flush()
    if not ours_reported:
        changed += _hardware(machine, record)
    if _bmc(machine, record, vault):
        changed.append("bmc")
    session.flush()
    if _addresses(session, machine, None, record.addresses, refs["networks"]):
        changed.append("addresses")
    if record.cluster is not None and _root_key(session, machine, record, vault):
        changed.append("root key")
    what = f"machine {record.serial}"
    if record.hostname:
        what += f" ({record.hostname}, {record.role})"
    out.note(created, what, [] if created else changed)


def _hardware(machine: Machine, record: MachineRecord) -> list[str]:
    """NICs, LLDP neighbours, disks, storage controllers and RAID drives as OCI knows
    them; the names of what changed."""
    changed = []
    nics = [
        {
            "name": n.name,
            "mac": n.mac,
            "identity_mac": n.identity_mac,
            "physical": True,
            "speed_mbps": n.speed_mbps,
            "driver": n.driver,
            "firmware_version": n.firmware_version,
        }
        for n in record.nics
    ]
    if _components(machine, "nics", Nic, "name", nics):
        changed.append("nics")
    lldp = [
        {"interface": x.interface, "switch_name": x.switch_name, "port_id": x.port_id}
        for x in record.lldp
    ]
    if _components(machine, "lldp_neighbours", LldpNeighbour, "interface", lldp):
        changed.append("lldp")
    disks = [{"name": d.name, "size_bytes": d.size_bytes, "kind": d.kind} for d in record.disks]
    if _components(machine, "disks", Disk, "name", disks):
        changed.append("disks")
    controllers = [asdict(c) for c in record.controllers]
    if _components(machine, "storage_controllers", StorageController, "name", controllers):
        changed.append("storage_controllers")
    drives = [asdict(d) for d in record.raid_drives]
    if _components(machine, "raid_drives", RaidDrive, "position", drives):
        changed.append("raid_drives")
    return changed


def _root_key(session: Session, machine: Machine, record: MachineRecord, vault: Vault) -> bool:
    pair = _one(session, RootKeyPair, machine_id=machine.id)
    if record.root_key is None:
        if pair is None:
            give_root_key_pair(session, machine, vault)
            return True
        return False
    private, public = record.root_key
    if pair is None:
        session.add(
            RootKeyPair(
                machine_id=machine.id,
                public_key=public,
                private_ciphertext=vault.encrypt(private),
            )
        )
        return True
    if pair.public_key != public or vault.decrypt(pair.private_ciphertext) != private:
        pair.public_key = public
        pair.private_ciphertext = vault.encrypt(private)
        return True
    return False


def apply_plan(
    session: Session,
    plan: Plan,
    vault: Vault,
    progress: Callable[[Iterable[MachineRecord]], Iterable[MachineRecord]] = lambda it: it,
) -> Outcome:
    """Write ``plan`` in ``session``'s transaction; what changed, row by row."""
    out = Outcome()
    roles = {r.name: r for r in session.scalars(select(Role))}
    regions = _regions(session, plan, out)
    locations = _locations(session, plan, regions, out)
    clusters = _clusters(session, plan, roles, vault, out)
    networks = _networks(session, plan, locations, clusters, out)
    refs = {"roles": roles, "locations": locations, "clusters": clusters, "networks": networks}
    for machine in progress(plan.machines):
        _machine(session, machine, refs, vault, out)
    for name, cluster in clusters.items():
        vips = plan.vips.get(name, [])
        if _addresses(session, None, cluster, vips, networks):
            out.changes.append(
                f"set the VIPs of cluster {name}: "
                + ", ".join(f"{v.vip_usage} {v.address}" for v in vips)
            )
        else:
            out.unchanged += 1
    session.flush()
    return out
