"""A machine's facts as plain data: what matching and racking read (pure).

Two adapters build it: `from_row` from an inventory Machine row (with its
disks, NICs, PCI devices, LLDP neighbours and BMC loaded) and `from_facts`
from a parsed report. Matching never touches the database, so it is tested
and benchmarked on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oci.ingest.facts import Facts
from oci.ingest.summary import is_gpu

__all__ = [
    "DiskView",
    "GpuView",
    "MachineView",
    "NeighbourView",
    "NicView",
    "from_facts",
    "from_row",
]


@dataclass(frozen=True, slots=True)
class DiskView:
    name: str
    kind: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class NicView:
    name: str
    physical: bool
    speed_mbps: int | None
    product_name: str | None
    link_up: bool | None


@dataclass(frozen=True, slots=True)
class GpuView:
    ids: str  # vendor:device, 10de:1eb8
    name: str | None


@dataclass(frozen=True, slots=True)
class NeighbourView:
    interface: str
    switch_name: str | None
    port_id: str | None


@dataclass(frozen=True, slots=True)
class MachineView:
    serial: str | None = None
    manufacturer: str | None = None
    product_name: str | None = None
    architecture: str | None = None
    cpu_vendor: str | None = None
    cpu_model: str | None = None
    cpu_cores: int | None = None
    cpu_threads: int | None = None
    memory_bytes: int | None = None
    disks: tuple[DiskView, ...] = ()
    nics: tuple[NicView, ...] = ()
    gpus: tuple[GpuView, ...] = ()
    neighbours: tuple[NeighbourView, ...] = ()
    has_bmc: bool = False
    # Sizes of the drives behind a hardware RAID controller (None: not told).
    raid_drives: tuple[int | None, ...] = ()


def _gpus(devices: Any) -> tuple[GpuView, ...]:
    return tuple(
        GpuView(f"{d.vendor_id}:{d.device_id}", d.device_name) for d in devices if is_gpu(d)
    )


def from_row(machine: Any) -> MachineView:
    """An oci.models.Machine (components loaded, raid_drives too) as a view."""
    return MachineView(
        serial=machine.serial,
        manufacturer=machine.manufacturer,
        product_name=machine.product_name,
        architecture=machine.architecture,
        cpu_vendor=machine.cpu_vendor,
        cpu_model=machine.cpu_model,
        cpu_cores=machine.cpu_cores,
        cpu_threads=machine.cpu_threads,
        memory_bytes=machine.memory_bytes,
        disks=tuple(DiskView(d.name, d.kind, d.size_bytes) for d in machine.disks),
        nics=tuple(
            NicView(n.name, n.physical, n.speed_mbps, n.product_name, n.link_up)
            for n in machine.nics
        ),
        gpus=_gpus(machine.pci_devices),
        neighbours=tuple(
            NeighbourView(n.interface, n.switch_name, n.port_id) for n in machine.lldp_neighbours
        ),
        has_bmc=machine.bmc is not None,
        raid_drives=tuple(d.size_bytes for d in machine.raid_drives),
    )


def from_facts(facts: Facts) -> MachineView:
    """A parsed report as a view (tests, and the lab before a row exists)."""
    return MachineView(
        serial=facts.system.serial,
        manufacturer=facts.system.manufacturer,
        product_name=facts.system.product_name,
        architecture=facts.system.architecture,
        cpu_vendor=facts.cpu.vendor,
        cpu_model=facts.cpu.model,
        cpu_cores=facts.cpu.cores,
        cpu_threads=facts.cpu.threads,
        memory_bytes=facts.memory_bytes,
        disks=tuple(DiskView(d.name, d.kind, d.size_bytes) for d in facts.disks),
        nics=tuple(
            NicView(n.name, n.physical, n.speed_mbps, n.product_name, n.link_up) for n in facts.nics
        ),
        gpus=_gpus(facts.pci_devices),
        neighbours=tuple(NeighbourView(n.interface, n.switch_name, n.port_id) for n in facts.lldp),
        has_bmc=facts.bmc is not None,
        raid_drives=tuple(d.size_bytes for d in facts.raid_drives),
    )
