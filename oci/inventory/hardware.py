# Writes: a machine's hardware rows (DIMMs, disks, NICs, PCI devices, LLDP, BMC, host keys).
"""A report's facts into the machine's columns and component rows.

Component rows are read as plain rows (`Current`), not ORM objects, and
written in bulk: one DELETE of the rows that changed and one multi-row INSERT
of their replacements per table, whatever the count. A report at every bound
of `oci.ingest.checks.Bounds` then costs a fraction of a second, not one
round trip per DIMM. The machine's collections are expired after a write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Row, delete, insert, inspect, select
from sqlalchemy.orm import Session

from oci.ingest.facts import Facts
from oci.ingest.identity import Identity, universally_administered
from oci.models import (
    Bmc,
    Disk,
    LldpNeighbour,
    Machine,
    MemoryModule,
    Nic,
    PciDevice,
    RaidDrive,
    SshHostKey,
    StorageController,
)
from oci.models.changes import bump

__all__ = ["SOURCES", "Current", "apply_facts", "arrived", "fit", "plain"]

# Which report files a component comes from. When none of them arrived intact
# (tool missing, failed or unreadable), the machine keeps what it had: a report
# without lsblk must not make every disk disappear.
# OCI's agent reports (oci.ingest.oci_json) name their sections "oci:SECTION".
SOURCES = {
    "system": ("dmidecode.txt", "oci:machine"),
    "cpu": ("lscpu.json", "lscpu.txt", "dmidecode.txt", "oci:machine"),
    "memory": ("meminfo.txt", "dmidecode.txt", "oci:memory"),
    "dimms": ("dmidecode.txt",),
    "disks": ("lsblk.json", "nvme-list.json", "oci:blockdevices"),
    "nics": ("ip-link.json", "oci:interfaces"),
    "pci_devices": ("lspci-nnmm.txt", "lspci-vmmnnk.txt", "lspci.txt"),
    "lldp": ("lldpctl.json", "lldpctl.txt", "oci:interfaces"),
    "bmc": ("ipmitool-lan.txt", "ipmitool-mc-info.txt", "oci:machine"),
    "ssh_host_keys": ("ssh-host-keys.txt",),
    # Ours: the PCI storage classes, with firmware from storcli; OCI's: lshw's.
    "controllers": ("lspci-nnmm.txt", "lspci-vmmnnk.txt", "oci:blkdev_ctrl"),
    # Without a RAID tool's output the known drives stay (OCI keeps them too).
    "raid_drives": ("storcli.json", "megacli-pdlist.txt", "oci:phys-blockdevices"),
    "secure_boot": ("agent.txt", "oci:machine"),
}


def arrived(files: Mapping[str, str], facts: Facts, component: str) -> bool:
    """Did any source of `component` arrive intact?"""
    failed = {c.name for c in facts.commands if c.exit_code != 0}
    unusable = failed | facts.unreadable
    return any(name in files and name not in unusable for name in SOURCES[component])


def _lengths(model: type[Any]) -> dict[str, int]:
    return {c.name: c.type.length for c in model.__table__.c if getattr(c.type, "length", None)}


_LENGTHS: dict[type[Any], dict[str, int]] = {}


def fit(model: type[Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Values clamped to their columns' lengths: an agent's 300-character
    product name must not turn into a database error."""
    lengths = _LENGTHS.get(model)
    if lengths is None:
        lengths = _LENGTHS[model] = _lengths(model)
    fitted = dict(values)
    for name, length in lengths.items():
        value = fitted.get(name)
        if isinstance(value, str) and len(value) > length:
            fitted[name] = value[:length]
    return fitted


def plain(item: Any) -> dict[str, Any]:
    """A flat facts dataclass as a dict (dataclasses.asdict deep-copies: 10x slower)."""
    return dict(vars(item))


class Current:
    """A machine's component rows as the database holds them, read once each:
    plain rows with the columns as attributes, which is all a diff needs.
    A machine new to this transaction has none, before or after its flush:
    nothing reads back the rows just written."""

    def __init__(self, session: Session, machine: Machine) -> None:
        self.session, self.machine = session, machine
        self._rows: dict[type[Any], list[Row[Any]]] = {}
        self.new = not inspect(machine).has_identity

    def rows(self, model: type[Any]) -> list[Row[Any]]:
        if self.new:
            return []
        if model not in self._rows:
            table = model.__table__
            query = select(table).where(table.c.machine_id == self.machine.id)
            self._rows[model] = list(self.session.execute(query))
        return self._rows[model]

    def forget(self, model: type[Any]) -> None:
        self._rows.pop(model, None)


def _sync(
    current: Current,
    machine: Machine,
    relationship: str,
    model: type[Any],
    items: Iterable[Mapping[str, Any]],
    key: str,
) -> None:
    """Make the machine's `relationship` rows equal `items`: unchanged rows stay,
    changed ones are replaced. Deletes reach the database before inserts, so a
    MAC or disk name moving between rows never trips a unique constraint."""
    wanted: dict[Any, dict[str, Any]] = {}
    for item in items:
        wanted.setdefault(item[key], fit(model, item))
    rows = {getattr(row, key): row for row in current.rows(model)}
    keep = {
        k
        for k, row in rows.items()
        if k in wanted and all(getattr(row, f) == v for f, v in wanted[k].items())
    }
    stale = [row.id for k, row in rows.items() if k not in keep]
    fresh = [{"machine_id": machine.id, **item} for k, item in wanted.items() if k not in keep]
    if not stale and not fresh:
        return
    session = current.session
    if stale:
        session.execute(delete(model).where(model.id.in_(stale)))
    if fresh:
        session.execute(insert(model), fresh)  # one executemany
        if not stale and not current.new and machine.cluster_id is not None:
            # A bulk INSERT alone bumps no ENC serial (a DELETE does): the
            # first controllers of an enrolled machine reach its oci_facts.
            bump(session, {machine.cluster_id})
    session.expire(machine, [relationship])
    current.forget(model)


def _nic_items(facts: Facts) -> list[dict[str, Any]]:
    items, seen = [], set()
    for nic in facts.nics:
        item = plain(nic)
        identifies = nic.physical and universally_administered(nic.mac) and nic.mac not in seen
        # Bond members can show one MAC twice; only the first identifies.
        item["identity_mac"] = nic.mac if identifies else None
        seen.add(nic.mac)
        items.append(item)
    return items


def _columns(files: Mapping[str, str], facts: Facts, ident: Identity) -> dict[str, Any]:
    system, cpu = facts.system, facts.cpu
    columns: dict[str, Any] = {}
    if arrived(files, facts, "system"):
        columns |= {
            "manufacturer": system.manufacturer,
            "product_name": system.product_name,
            "sku": system.sku,
            "bios_version": system.bios_version,
            "bios_date": system.bios_date,
        }
    if ident.serial:
        columns["serial"] = ident.serial
    if ident.system_uuid:
        columns["system_uuid"] = ident.system_uuid
    if system.architecture:
        columns["architecture"] = system.architecture
    if arrived(files, facts, "cpu"):
        columns |= {
            "cpu_model": cpu.model,
            "cpu_vendor": cpu.vendor,
            "cpu_sockets": cpu.sockets,
            "cpu_cores": cpu.cores,
            "cpu_threads": cpu.threads,
            "cpu_mhz": cpu.mhz,
        }
    if arrived(files, facts, "secure_boot") and system.secure_boot is not None:
        columns["secure_boot"] = system.secure_boot
    if arrived(files, facts, "memory") and facts.memory_bytes:
        columns["memory_bytes"] = facts.memory_bytes
    return columns


def _component_columns(model: type[Any]) -> list[str]:
    return [c.name for c in model.__table__.c if c.name not in ("id", "machine_id")]


def host_key_items(facts: Facts) -> list[dict[str, str]]:
    return [{"key_type": line.split()[0], "public_key": line} for line in facts.ssh_host_keys]


def apply_facts(
    current: Current, machine: Machine, files: Mapping[str, str], facts: Facts, ident: Identity
) -> None:
    """Write what arrived of `facts` onto `machine` (a new machine gets its id here)."""
    for name, value in fit(Machine, _columns(files, facts, ident)).items():
        setattr(machine, name, value)
    current.session.flush()  # a new machine gets the id its component rows need

    def sync(component: str, relationship: str, model: type[Any], items: Any, key: str) -> None:
        if arrived(files, facts, component):
            _sync(current, machine, relationship, model, items, key)

    dump = plain
    sync("dimms", "memory_modules", MemoryModule, map(dump, facts.dimms), "locator")
    sync("disks", "disks", Disk, map(dump, facts.disks), "name")
    nic_items = _nic_items(facts)
    sync("nics", "nics", Nic, nic_items, "name")
    sync("pci_devices", "pci_devices", PciDevice, map(dump, facts.pci_devices), "address")
    sync(
        "controllers",
        "storage_controllers",
        StorageController,
        map(dump, facts.controllers),
        "name",
    )
    sync("raid_drives", "raid_drives", RaidDrive, map(dump, facts.raid_drives), "position")
    if arrived(files, facts, "lldp"):
        # Merge, not replace: lldpd needs up to 30 s to hear a switch, so an
        # early report without neighbours must not forget the known ones.
        # Neighbours of NICs the machine no longer has do go.
        seen = {item.interface: dump(item) for item in facts.lldp}
        # The NICs as synced above, without reading back what was just written.
        if arrived(files, facts, "nics"):
            names = {item["name"] for item in nic_items}
        else:
            names = {nic.name for nic in current.rows(Nic)}
        kept = [
            {c: getattr(row, c) for c in _component_columns(LldpNeighbour)}
            for row in current.rows(LldpNeighbour)
            if row.interface not in seen and row.interface in names
        ]
        items = [*kept, *seen.values()]
        _sync(current, machine, "lldp_neighbours", LldpNeighbour, items, "interface")
    if arrived(files, facts, "bmc") and facts.bmc is not None:
        values = fit(Bmc, dump(facts.bmc))
        if current.new:
            # It has no BMC row yet: an INSERT, without a lazy load of machine.bmc to find out.
            current.session.execute(insert(Bmc), [{"machine_id": machine.id, **values}])
            current.session.expire(machine, ["bmc"])
        elif machine.bmc is None:
            machine.bmc = Bmc(**values)
        else:
            for name, value in values.items():
                setattr(machine.bmc, name, value)
    sync("ssh_host_keys", "ssh_host_keys", SshHostKey, host_key_items(facts), "key_type")
