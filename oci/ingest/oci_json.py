"""A report from OCI's own live agent (openstack-cluster-installer-agent) -> Facts (pure).

OCI 42.2.5's agent builds one JSON object with shell `echo`s and posts it with
``curl --header "Content-Type: application/json" -d @FILE .../oci/report.php``
(curl -d drops the file's newlines). Every value is a string:

  machine            [ {serial, system_manufacturer, productname, bios_version,
                        dell_lifecycle_version, ipmi_firmware_version,
                        ipmi_detected_ip, ladvd_report, use_oci_sort_dev,
                        cpu_vendor, cpu_threads, cpu_core_per_socket,
                        cpu_sockets, cpu_model_name, cpu_mhz, boot_uefi,
                        secure_boot} ]                     (report.php reads [0])
  memory             [ {size (MiB, the DIMMs' sum), type, speed, manufacturer} ]
  blockdevices       [ {name (a /dev/disk/oci-sort name, else the kernel's),
                        realdev (the kernel name), size (bytes), model} ]
  phys-blockdevices  [ {slot, model, serial, size (bytes), state} ]
                        only with a MegaRAID controller and megacli
  blkdev_ctrl        [ {hwid (lshw id), vendor, product, ctrl_type, firmware_version} ]
  interfaces         [ {name, macaddr, max_speed (Mb/s), switch_hostname,
                        switchport_name ("unknown" without LLDP),
                        firmware_version, driver} ]

The upload is hostile until proven otherwise: it must be one JSON object of
those lists of objects of strings (`ReportRejected` naming the field
otherwise; `MalformedUpload` when it is not JSON at all), and no list may be
longer than `Bounds` allows. Sections present become pseudo files named
``oci:SECTION`` in the files mapping, so that inventory's "did this part of
the report arrive" rule is the same as for our agent's tar: a report without
``phys-blockdevices`` keeps the RAID drives already known, as OCI does.
Not read: dell_lifecycle_version, ladvd_report, use_oci_sort_dev and the
memory's type, speed and manufacturer (OCI stores them and reads none).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from oci.ingest.archive import MalformedUpload, ReportRejected
from oci.ingest.checks import Bounds
from oci.ingest.facts import (
    BmcFacts,
    CpuFacts,
    DiskFacts,
    Facts,
    LldpFacts,
    NicFacts,
    RaidDriveFacts,
    StorageControllerFacts,
    SystemFacts,
)
from oci.ingest.report import USB_NIC_DRIVERS
from oci.ingest.values import (
    MAX_BYTES,
    MAX_COUNT,
    MAX_MBPS,
    MAX_MHZ,
    MAX_MIB,
    normalise_mac,
)

__all__ = [
    "CONTROLLER_KIND_OF",
    "OCI_CONTROLLER_TYPE_OF",
    "SECTIONS",
    "parse_oci_report",
    "raid_drives_of",
    "section_file",
    "storage_controllers_of",
]

# The lists the agent sends, and the Bounds attribute each is counted against.
SECTIONS = {
    "machine": None,
    "memory": None,
    "blockdevices": "disks",
    "phys-blockdevices": "raid_drives",
    "blkdev_ctrl": "controllers",
    "interfaces": "nics",
}
# machine and memory: OCI reads the first entry only; a few are tolerated.
_SINGLE_MAX = 8
# OCI's ctrl_type (its agent's names) -> our controller kinds, and back.
CONTROLLER_KIND_OF = {
    "LSI-raid": "megaraid",
    "SSA": "smartarray",
    "LSI-noraid": "sas",
    "HP-JBOD": "ahci",
    "nvme": "nvme",
    "none": "other",
}
OCI_CONTROLLER_TYPE_OF = {kind: oci for oci, kind in CONTROLLER_KIND_OF.items()}
# What OCI's agent writes when it has no value.
_NOTHING = frozenset({"", "none", "None", "null", "0.0.0", "unknown", "Not reported"})


def section_file(section: str) -> str:
    """The pseudo file name standing for one section of an OCI report."""
    return f"oci:{section}"


def _load(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedUpload(f"the report is not UTF-8 text (byte {exc.start})") from exc
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise ReportRejected("the report nests deeper than OCI's agent ever does") from exc
    except ValueError as exc:
        raise MalformedUpload(
            f"the report is not JSON ({exc}): send OCI's agent report as "
            "Content-Type: application/json"
        ) from exc
    if not isinstance(data, dict):
        raise ReportRejected(
            f"the report is a JSON {type(data).__name__}, not an object of OCI's sections"
        )
    return data


def _items(data: Mapping[str, Any], section: str, limit: int) -> list[dict[str, str]] | None:
    """The section's entries, each an object of strings; None when it is absent."""
    if section not in data:
        return None
    entries = data[section]
    if not isinstance(entries, list):
        raise ReportRejected(f"{section}: a list of objects is expected")
    if len(entries) > limit:
        raise ReportRejected(
            f"{section} lists {len(entries)} entries; at most {limit} are accepted"
        )
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ReportRejected(f"{section}[{number}]: an object is expected")
        for key, value in entry.items():
            if not isinstance(value, str):
                # OCI's agent writes every value as a string: anything else is not its report.
                raise ReportRejected(
                    f"{section}[{number}].{key}: a string is expected, not {type(value).__name__}"
                )
    return entries


def _text(entry: Mapping[str, str], key: str) -> str | None:
    value = entry.get(key, "").strip()
    return None if value in _NOTHING else value


def _number(entry: Mapping[str, str], key: str, where: str, maximum: int) -> int | None:
    """ASCII digits (a decimal part is dropped: lscpu's "2100.000"); "" is none.
    Above `maximum` (what its column holds, on every backend) it is refused."""
    value = entry.get(key, "").strip()
    if value in _NOTHING:
        return None
    whole, _, fraction = value.partition(".")
    if not (whole.isascii() and whole.isdigit() and (not fraction or fraction.isdigit())):
        raise ReportRejected(f"{where}.{key}: not a number: {value[:40]!r}")
    # Digits first: int() of thousands of digits is slow, and refused anyway.
    if len(whole.lstrip("0")) > len(str(maximum)) or int(whole) > maximum:
        raise ReportRejected(f"{where}.{key}: {whole[:40]} is above {maximum}, no server's")
    return int(whole)


def _system(machine: Mapping[str, str]) -> SystemFacts:
    uefi = machine.get("boot_uefi") == "yes"
    return SystemFacts(
        manufacturer=_text(machine, "system_manufacturer"),
        product_name=_text(machine, "productname"),
        serial=_text(machine, "serial"),
        bios_version=_text(machine, "bios_version"),
        firmware="uefi" if uefi else "bios",
        # OCI's agent says "no" when mokutil is missing too; under BIOS there is none.
        secure_boot=machine.get("secure_boot") == "yes" if uefi else False,
    )


def _cpu(machine: Mapping[str, str]) -> CpuFacts:
    where = "machine[0]"
    sockets = _number(machine, "cpu_sockets", where, MAX_COUNT)
    per_socket = _number(machine, "cpu_core_per_socket", where, MAX_COUNT)
    cores = (sockets * per_socket) if sockets and per_socket else None
    if cores is not None and cores > MAX_COUNT:
        raise ReportRejected(
            f"{where}.cpu_core_per_socket: {per_socket} cores on each of {sockets} "
            f"sockets is above {MAX_COUNT} cores, no server's"
        )
    return CpuFacts(
        model=_text(machine, "cpu_model_name"),
        vendor=_text(machine, "cpu_vendor"),
        sockets=sockets or None,
        cores=cores,
        threads=_number(machine, "cpu_threads", where, MAX_COUNT) or None,
        mhz=_number(machine, "cpu_mhz", where, MAX_MHZ) or None,
    )


def _bmc(machine: Mapping[str, str]) -> BmcFacts | None:
    firmware = _text(machine, "ipmi_firmware_version")
    address = _text(machine, "ipmi_detected_ip")
    try:
        address = str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        address = None  # OCI keeps "Detect failed" here
    if address in (None, "0.0.0.0"):
        address = None
    if firmware is None and address is None:
        return None
    return BmcFacts(ip_address=address, firmware_version=firmware)


def _disks(entries: list[dict[str, str]]) -> tuple[DiskFacts, ...]:
    disks = []
    for number, entry in enumerate(entries):
        where = f"blockdevices[{number}]"
        # realdev is the kernel name; name may be a /dev/disk/oci-sort link name.
        name = _text(entry, "realdev") or _text(entry, "name")
        size = _number(entry, "size", where, MAX_BYTES)
        if name is None or size is None:
            raise ReportRejected(f"{where}: name and size are needed")
        if size == 0:
            continue  # no medium: an unset zram, an empty card reader
        nvme = name.startswith("nvme")
        # OCI's agent drops lsblk's ROTA and TRAN: only NVMe is known for sure.
        disks.append(
            DiskFacts(
                name=name,
                size_bytes=size,
                kind="nvme" if nvme else "other",
                model=_text(entry, "model"),
                transport="nvme" if nvme else None,
            )
        )
    return tuple(disks)


def _nics(entries: list[dict[str, str]]) -> tuple[tuple[NicFacts, ...], tuple[LldpFacts, ...]]:
    nics, neighbours = [], []
    for number, entry in enumerate(entries):
        where = f"interfaces[{number}]"
        name = _text(entry, "name")
        mac = normalise_mac(entry.get("macaddr"))
        if name is None or mac is None:
            raise ReportRejected(f"{where}: a name and a MAC address (macaddr) are needed")
        driver = _text(entry, "driver")
        nics.append(
            NicFacts(
                name=name,
                mac=mac,
                # The agent lists only what it takes for cards (no bond, bridge,
                # VLAN, tap, USB); identity still wants a universal MAC.
                physical=driver not in USB_NIC_DRIVERS,
                speed_mbps=_number(entry, "max_speed", where, MAX_MBPS) or None,
                driver=driver,
                firmware_version=_text(entry, "firmware_version"),
            )
        )
        switch = _text(entry, "switch_hostname")
        if switch is not None:
            neighbours.append(
                LldpFacts(
                    interface=name, switch_name=switch, port_id=_text(entry, "switchport_name")
                )
            )
    return tuple(nics), tuple(neighbours)


def storage_controllers_of(entries: list[dict[str, str]]) -> tuple[StorageControllerFacts, ...]:
    controllers = []
    for number, entry in enumerate(entries):
        oci_type = entry.get("ctrl_type", "").strip()
        model = _text(entry, "product")
        kind = CONTROLLER_KIND_OF.get(oci_type, "other")
        if kind == "other" and model and "AHCI" in model:
            kind = "ahci"
        controllers.append(
            StorageControllerFacts(
                # lshw ids repeat (two "raid" controllers): the report's order names them.
                name=f"ctrl{number}",
                kind=kind,
                vendor=_text(entry, "vendor"),
                model=model,
                firmware_version=_text(entry, "firmware_version"),
            )
        )
    return tuple(controllers)


def raid_drives_of(
    entries: list[dict[str, str]], controllers: tuple[StorageControllerFacts, ...]
) -> tuple[RaidDriveFacts, ...]:
    raid = [c.name for c in controllers if c.kind == "megaraid"]
    # megacli lists adapter 0's drives: theirs when exactly one MegaRAID is known.
    owner = raid[0] if len(raid) == 1 else None
    drives = []
    for number, entry in enumerate(entries):
        where = f"phys-blockdevices[{number}]"
        slot = _text(entry, "slot")
        if slot is None:
            raise ReportRejected(f"{where}: a slot is needed")
        drives.append(
            RaidDriveFacts(
                position=slot,
                slot=slot,
                controller=owner,
                size_bytes=_number(entry, "size", where, MAX_BYTES),
                state=_text(entry, "state"),
                model=_text(entry, "model"),
                serial=_text(entry, "serial"),
            )
        )
    return tuple(drives)


def parse_oci_report(body: bytes, bounds: Bounds | None = None) -> tuple[dict[str, str], Facts]:
    """(pseudo files, facts) of one OCI agent report; ReportRejected for anything else."""
    bounds = bounds or Bounds()
    data = _load(body)
    sections: dict[str, list[dict[str, str]]] = {}
    for section, bound in SECTIONS.items():
        entries = _items(data, section, getattr(bounds, bound) if bound else _SINGLE_MAX)
        if entries is not None:
            sections[section] = entries
    if not sections.get("machine"):
        raise ReportRejected(
            "machine: OCI's agent always sends one entry with the serial; none is here"
        )
    machine = sections["machine"][0]
    memory = sections.get("memory") or [{}]
    memory_mib = _number(memory[0], "size", "memory[0]", MAX_MIB)
    controllers = storage_controllers_of(sections.get("blkdev_ctrl", []))
    nics, neighbours = _nics(sections.get("interfaces", []))
    facts = Facts(
        system=_system(machine),
        cpu=_cpu(machine),
        memory_bytes=memory_mib * 2**20 if memory_mib else None,
        disks=_disks(sections.get("blockdevices", [])),
        nics=nics,
        lldp=neighbours,
        bmc=_bmc(machine),
        controllers=controllers,
        raid_drives=raid_drives_of(sections.get("phys-blockdevices", []), controllers),
    )
    # An empty memory entry says nothing: its section did not really arrive.
    files = {
        section_file(name): json.dumps(entries)
        for name, entries in sections.items()
        if not (name == "memory" and memory_mib is None)
    }
    return files, facts
