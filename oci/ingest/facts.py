"""The normalised facts of one discovery report: what the parsers return.

Plain data, no database: `oci.inventory.machines` turns it into rows. Every field is
optional because any tool may be missing on a given machine; a parser that
cannot read its input leaves the field empty and records a `problem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CONTROLLER_KINDS",
    "BmcFacts",
    "CommandResult",
    "CpuFacts",
    "DimmFacts",
    "DiskFacts",
    "Facts",
    "LldpFacts",
    "NicFacts",
    "PciFacts",
    "RaidDriveFacts",
    "StorageControllerFacts",
    "SystemFacts",
]

# Kinds of storage controller (StorageControllerFacts.kind): a MegaRAID-family
# RAID controller (megacli, storcli, perccli drive it), an HPE Smart Array
# (hpsa, or smartpqi behind ssacli), a SAS HBA without RAID (mpt3sas), an
# AHCI SATA controller, an NVMe controller, anything else.
CONTROLLER_KINDS = ("megaraid", "smartarray", "sas", "ahci", "nvme", "other")


@dataclass(frozen=True)
class SystemFacts:
    # Raw strings as the firmware reports them (stripped); placeholder values
    # such as "To Be Filled By O.E.M." are kept here and filtered by identity.
    manufacturer: str | None = None
    product_name: str | None = None
    serial: str | None = None
    system_uuid: str | None = None  # lower-case, canonical 8-4-4-4-12 form
    sku: str | None = None
    bios_version: str | None = None
    bios_date: str | None = None
    architecture: str | None = None  # x86_64, aarch64 (uname -m spelling)
    firmware: str | None = None  # how the live system booted: bios or uefi (agent.txt)
    # UEFI Secure Boot enforced (mokutil --sb-state, or the SecureBoot EFI
    # variable); None: not known, or booted with BIOS (no Secure Boot there).
    secure_boot: bool | None = None


@dataclass(frozen=True)
class CpuFacts:
    model: str | None = None
    vendor: str | None = None
    sockets: int | None = None
    cores: int | None = None  # physical cores, all sockets
    threads: int | None = None  # logical CPUs, all sockets
    mhz: int | None = None  # the current (or maximum) clock, as lscpu says


@dataclass(frozen=True)
class DimmFacts:
    locator: str
    size_bytes: int
    memory_type: str | None = None
    speed_mts: int | None = None
    manufacturer: str | None = None
    part_number: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class DiskFacts:
    name: str  # kernel name: sda, nvme0n1
    size_bytes: int
    kind: str  # hdd, ssd, nvme, other (oci.models.hardware.DISK_KINDS)
    rotational: bool | None = None
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None
    transport: str | None = None  # sata, sas, nvme, usb, virtio, ...


@dataclass(frozen=True)
class NicFacts:
    name: str
    mac: str  # lower-case, colon separated
    # A network card of the machine: on a PCI bus, a plain device. False for
    # bonds, bridges, VLANs, veths and BMC USB NICs (cdc_ether, rndis). Only
    # physical NICs with a universally administered MAC identify a machine
    # (oci.ingest.identity): a locally administered MAC can repeat anywhere.
    physical: bool = False
    speed_mbps: int | None = None
    driver: str | None = None
    firmware_version: str | None = None
    pci_address: str | None = None  # 0000:3b:00.0
    vendor_id: str | None = None  # 4 lower-case hex digits
    device_id: str | None = None
    product_name: str | None = None  # "MT28908 Family [ConnectX-6]"
    # A cable with carrier (LOWER_UP): such a NIC should hear a switch over LLDP.
    link_up: bool | None = None


@dataclass(frozen=True)
class PciFacts:
    address: str  # 0000:3b:00.0
    vendor_id: str
    device_id: str
    class_id: str | None = None  # 4 hex digits: 0302
    class_name: str | None = None
    vendor_name: str | None = None
    device_name: str | None = None
    subsystem_vendor_id: str | None = None
    subsystem_device_id: str | None = None
    driver: str | None = None


@dataclass(frozen=True)
class LldpFacts:
    interface: str  # the local NIC
    switch_name: str | None = None  # the neighbour's system name
    chassis_id: str | None = None
    port_id: str | None = None
    port_description: str | None = None
    vlan: int | None = None


@dataclass(frozen=True)
class StorageControllerFacts:
    """A disk controller: what drives the machine's disks, and how RAID is made."""

    name: str  # its PCI address (0000:18:00.0), else "ctrl<N>" in report order
    kind: str  # one of CONTROLLER_KINDS
    vendor: str | None = None
    model: str | None = None  # "MegaRAID SAS-3 3108 [Invader]"
    firmware_version: str | None = None
    driver: str | None = None  # megaraid_sas, hpsa, ahci, nvme


@dataclass(frozen=True)
class RaidDriveFacts:
    """A physical drive behind a RAID controller, which the system does not see
    as a disk until a volume is built on it."""

    position: str  # "252:3" (enclosure:slot), or the slot alone
    slot: str
    enclosure: str | None = None
    controller: str | None = None  # StorageControllerFacts.name, when known
    size_bytes: int | None = None
    state: str | None = None  # Online, Unconfigured(good), JBOD, Failed...
    model: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class BmcFacts:
    ip_address: str | None = None
    mac: str | None = None
    firmware_version: str | None = None
    manufacturer: str | None = None


@dataclass(frozen=True)
class CommandResult:
    """One line of the agent's commands.txt: what ran and how it ended."""

    name: str  # the output file name: dmidecode.txt
    exit_code: int  # 127: the tool is not installed
    error: str | None = None  # the tool's stderr (from NAME.err), trimmed


@dataclass(frozen=True)
class Facts:
    system: SystemFacts = field(default_factory=SystemFacts)
    cpu: CpuFacts = field(default_factory=CpuFacts)
    memory_bytes: int | None = None
    dimms: tuple[DimmFacts, ...] = ()
    disks: tuple[DiskFacts, ...] = ()
    nics: tuple[NicFacts, ...] = ()
    pci_devices: tuple[PciFacts, ...] = ()
    lldp: tuple[LldpFacts, ...] = ()
    bmc: BmcFacts | None = None
    controllers: tuple[StorageControllerFacts, ...] = ()
    raid_drives: tuple[RaidDriveFacts, ...] = ()
    ssh_host_keys: tuple[str, ...] = ()  # "ssh-ed25519 AAAA... root@host" lines
    commands: tuple[CommandResult, ...] = ()
    # What could not be read, one sentence each naming the file:
    # "lsblk.json: not JSON (line 1: Expecting value)".
    problems: tuple[str, ...] = ()
    # Files that gave nothing usable (the tool failed, or the parser could not
    # read them at all): what the inventory knew from them must be kept.
    unreadable: frozenset[str] = frozenset()
