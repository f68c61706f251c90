"""/api/v1/machines: the discovered servers (read-only until enrolment lands)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from oci.api.common import ListQuery, Output, Page, Ref, paginate, ref
from oci.api.endpoint import endpoint
from oci.api.session import db
from oci.enrolment import machines as enrolment
from oci.errors import OciError
from oci.ingest import summary
from oci.inventory import machines as inventory
from oci.inventory.view import from_row
from oci.matching import racking, store
from oci.models import Cluster, DiscoveryReport, Location, Machine, MachineStatus, Role

bp = Blueprint("machines", __name__)
TAG = "machines"


class MachineQuery(ListQuery):
    status: MachineStatus | None = None
    cluster: str | None = Field(None, description="Cluster name")
    role: str | None = Field(None, description="Role name")
    hostname: str | None = Field(None, description="Exact host name (machine-show-from-hostname)")
    location: str | None = Field(None, description="Location name")
    product: str | None = Field(None, description="Exact DMI product name")
    manufacturer: str | None = None
    conflict: bool | None = Field(
        None, description="true: only machines flagged with an identity conflict"
    )


class MachineBrief(Output):
    id: int
    serial: str | None
    system_uuid: str | None
    hostname: str | None
    manufacturer: str | None
    product_name: str | None
    architecture: str | None
    cpu_model: str | None
    cpu_threads: int | None
    memory_bytes: int | None
    ram: str = Field(description="Memory in binary units, e.g. 512GiB")
    disks: str = Field(description="Disks grouped by kind and size, e.g. 2x480G ssd, 8x3.8T nvme")
    nics: str = Field(description="Physical NICs grouped by speed, e.g. 2x25G, 2x1G")
    gpus: str = Field(description="GPUs by model with PCI IDs")
    switch: str = Field(description="LLDP neighbours as switch:port")
    status: MachineStatus
    cluster: Ref | None
    role: Ref | None
    location: Ref | None
    rack: str | None
    u_position: int | None
    discovery_count: int
    last_seen: datetime | None
    identity_conflict: str | None = Field(
        description="Why discovery refused to merge reports into this machine, if it did"
    )
    hardware_profile: str | None = Field(
        description="The hardware profile whose settings were applied to it"
    )
    racking: str = Field(
        description="One line: 'placeable' when LLDP places it, else its racking flags"
    )
    racking_flags: list[str] = Field(
        description="Why LLDP cannot place it (unknown switch, switches in different racks, "
        "no LLDP on a link-up NIC); empty when it can"
    )


class DiskOut(Output):
    name: str
    size_bytes: int
    kind: str
    rotational: bool | None
    model: str | None
    serial: str | None
    wwn: str | None
    transport: str | None


class NicOut(Output):
    name: str
    mac: str
    is_physical: bool = Field(description="A network card, not a bond, VLAN or BMC USB NIC")
    identifies_machine: bool = Field(
        description="Its MAC finds this machine (physical, universally administered)"
    )
    speed_mbps: int | None
    driver: str | None
    firmware_version: str | None
    pci_address: str | None
    vendor_id: str | None
    device_id: str | None
    product_name: str | None


class PciDeviceOut(Output):
    address: str
    class_id: str | None
    class_name: str | None
    vendor_id: str
    device_id: str
    vendor_name: str | None
    device_name: str | None
    subsystem_vendor_id: str | None
    subsystem_device_id: str | None
    driver: str | None


class MemoryModuleOut(Output):
    locator: str
    size_bytes: int
    memory_type: str | None
    speed_mts: int | None
    manufacturer: str | None
    part_number: str | None
    serial: str | None


class LldpNeighbourOut(Output):
    interface: str
    switch_name: str | None
    chassis_id: str | None
    port_id: str | None
    port_description: str | None
    vlan: int | None


class BmcOut(Output):
    ip_address: str | None
    mac: str | None
    firmware_version: str | None
    manufacturer: str | None


class StorageControllerOut(Output):
    name: str = Field(description="PCI address, or ctrlN in the report's order (OCI's agent)")
    kind: str = Field(description="megaraid, smartarray, sas, ahci, nvme or other")
    vendor: str | None
    model: str | None
    firmware_version: str | None
    driver: str | None


class RaidDriveOut(Output):
    position: str = Field(description="enclosure:slot, or the slot")
    controller: str | None
    size_bytes: int | None
    state: str | None
    model: str | None
    serial: str | None


class IpAddressOut(Output):
    network: str
    address: str
    purpose: str


class MachineOut(MachineBrief):
    sku: str | None
    bios_version: str | None
    bios_date: str | None
    cpu_vendor: str | None
    cpu_sockets: int | None
    cpu_cores: int | None
    cpu_mhz: int | None
    secure_boot: bool | None = Field(description="UEFI Secure Boot enforced in the live system")
    is_first_master: bool
    datacenter: str | None
    row: str | None
    compute_aggregate: str | None
    settings: dict[str, Any] = Field(description="machine-set options as set (profile or operator)")
    options: dict[str, Any] = Field(
        description="Every machine-set option in effect: what was set, defaults for the rest"
    )
    first_seen: datetime | None
    created_at: datetime
    disk_list: list[DiskOut]
    nic_list: list[NicOut]
    pci_devices: list[PciDeviceOut]
    memory_modules: list[MemoryModuleOut]
    lldp_neighbours: list[LldpNeighbourOut]
    bmc: BmcOut | None
    storage_controllers: list[StorageControllerOut]
    raid_drives: list[RaidDriveOut] = Field(
        description="Drives behind a hardware RAID controller, which the system does not see"
    )
    ip_addresses: list[IpAddressOut]
    ssh_host_keys: list[str] = Field(description="The live system's SSH host keys, pinned")
    problems: list[str] = Field(
        description="What the newest kept report could not tell: failed tools, unreadable files"
    )


def _racking_rules(session: Session) -> racking.Rules | str:
    """The switch rules in effect, or why they cannot be read (the list must still work)."""
    try:
        return store.load(session, current_app.config["OCI_SETTINGS"]).rules
    except OciError as exc:
        return f"switch rules unusable: {exc.message}"


def _flags(machine: Machine, rules: racking.Rules | str) -> list[str]:
    if isinstance(rules, str):
        return [rules]
    return list(racking.guess(from_row(machine), rules).flags)


def _brief_fields(machine: Machine, rules: racking.Rules | str) -> dict[str, Any]:
    flags = _flags(machine, rules)
    return {
        "id": machine.id,
        "serial": machine.serial,
        "system_uuid": machine.system_uuid,
        "hostname": machine.hostname,
        "manufacturer": machine.manufacturer,
        "product_name": machine.product_name,
        "architecture": machine.architecture,
        "cpu_model": machine.cpu_model,
        "cpu_threads": machine.cpu_threads,
        "memory_bytes": machine.memory_bytes,
        "ram": summary.binary_size(machine.memory_bytes) if machine.memory_bytes else "",
        "disks": summary.disk_summary(machine.disks),
        "nics": summary.nic_summary(machine.nics),
        "gpus": summary.gpu_summary(machine.pci_devices),
        "switch": ", ".join(
            f"{n.switch_name or '?'}:{n.port_id or '?'}" for n in machine.lldp_neighbours
        ),
        "status": machine.status,
        "cluster": ref(machine.cluster, "clusters.show"),
        "role": ref(machine.role, "roles.show"),
        "location": ref(machine.location, "locations.show"),
        "rack": machine.rack,
        "u_position": machine.u_position,
        "discovery_count": machine.discovery_count,
        "last_seen": machine.last_seen,
        "identity_conflict": machine.identity_conflict,
        "hardware_profile": machine.hardware_profile,
        "racking_flags": flags,
        "racking": "; ".join(flags) or "placeable",
    }


def brief(machine: Machine, rules: racking.Rules | str) -> MachineBrief:
    return MachineBrief(**_brief_fields(machine, rules))


def _rows(model: type[Output], rows: list[Any]) -> list[Any]:
    return [model.model_validate(row, from_attributes=True) for row in rows]


def full(machine: Machine, session: Session) -> MachineOut:
    newest = session.scalar(
        select(DiscoveryReport.problems)
        .where(DiscoveryReport.machine_id == machine.id)
        .order_by(DiscoveryReport.id.desc())
        .limit(1)
    )
    return MachineOut(
        **_brief_fields(machine, _racking_rules(session)),
        sku=machine.sku,
        bios_version=machine.bios_version,
        bios_date=machine.bios_date,
        cpu_vendor=machine.cpu_vendor,
        cpu_sockets=machine.cpu_sockets,
        cpu_cores=machine.cpu_cores,
        cpu_mhz=machine.cpu_mhz,
        secure_boot=machine.secure_boot,
        is_first_master=machine.is_first_master,
        datacenter=machine.datacenter,
        row=machine.row,
        compute_aggregate=machine.compute_aggregate,
        settings=machine.settings,
        options=enrolment.effective_settings(machine).model_dump(mode="json"),
        first_seen=machine.first_seen,
        created_at=machine.created_at,
        disk_list=_rows(DiskOut, machine.disks),
        nic_list=[
            NicOut(
                is_physical=nic.physical,
                identifies_machine=nic.identity_mac is not None,
                **{
                    k: getattr(nic, k)
                    for k in NicOut.model_fields
                    if k not in ("is_physical", "identifies_machine")
                },
            )
            for nic in machine.nics
        ],
        pci_devices=_rows(PciDeviceOut, machine.pci_devices),
        memory_modules=_rows(MemoryModuleOut, machine.memory_modules),
        lldp_neighbours=_rows(LldpNeighbourOut, machine.lldp_neighbours),
        bmc=BmcOut.model_validate(machine.bmc, from_attributes=True) if machine.bmc else None,
        storage_controllers=_rows(StorageControllerOut, machine.storage_controllers),
        raid_drives=_rows(RaidDriveOut, machine.raid_drives),
        ip_addresses=[
            IpAddressOut(network=ip.network.name, address=ip.address, purpose=ip.purpose)
            for ip in machine.ip_addresses
        ],
        ssh_host_keys=[key.public_key for key in machine.ssh_host_keys],
        problems=newest or [],
    )


_LIST_LOADS = (
    joinedload(Machine.cluster),
    joinedload(Machine.role),
    joinedload(Machine.location),
    selectinload(Machine.disks),
    selectinload(Machine.nics),
    selectinload(Machine.pci_devices),
    selectinload(Machine.lldp_neighbours),
    selectinload(Machine.bmc),
)


def find_machine(session: Session, key: str) -> Machine:
    return inventory.machine_by_key(session, key, *_LIST_LOADS)


@bp.get("/machines")
@endpoint("List machines", tag=TAG, query=MachineQuery, response=Page[MachineBrief])
def list_(query: MachineQuery) -> Page[MachineBrief]:
    stmt = select(Machine).options(*_LIST_LOADS).order_by(Machine.id)
    if query.status is not None:
        stmt = stmt.where(Machine.status == query.status)
    if query.cluster is not None:
        stmt = stmt.where(Machine.cluster.has(Cluster.name == query.cluster))
    if query.role is not None:
        stmt = stmt.where(Machine.role.has(Role.name == query.role))
    if query.location is not None:
        stmt = stmt.where(Machine.location.has(Location.name == query.location))
    if query.hostname is not None:
        stmt = stmt.where(Machine.hostname == query.hostname)
    if query.product is not None:
        stmt = stmt.where(Machine.product_name == query.product)
    if query.manufacturer is not None:
        stmt = stmt.where(Machine.manufacturer == query.manufacturer)
    if query.conflict is not None:
        flagged = Machine.identity_conflict.is_not(None)
        stmt = stmt.where(flagged if query.conflict else ~flagged)
    session = db()
    rules = _racking_rules(session)
    return paginate(session, stmt, query, lambda machine: brief(machine, rules))


@bp.get("/machines/<key>")
@endpoint("Show a machine by serial, host name or system UUID", tag=TAG, response=MachineOut)
def show(key: str) -> MachineOut:
    session = db()
    return full(find_machine(session, key), session)
