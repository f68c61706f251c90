"""Storage controllers and the drives behind RAID controllers (pure).

Controllers come from the PCI devices of the mass storage class (01xx) with
their kernel driver, and the firmware sysfs tells (the agent's
storage-firmware.txt); a MegaRAID's firmware and its member drives come from
``storcli /call show J`` (perccli, Dell's build of it, prints the same JSON),
which the agent runs only when one of them is installed, else from
``megacli -PDList -aALL -NoLog`` (what OCI's own agent uses). Tolerant: a
controller storcli does not know keeps its PCI facts; a drive row without an
``EID:Slt`` is skipped. A drive size past 64 bits (no drive's, and a database
error at write) makes the whole output unreadable: a problem, and the drives
known before are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from oci.ingest.facts import PciFacts, RaidDriveFacts, StorageControllerFacts
from oci.ingest.values import (
    MAX_BYTES,
    ParseError,
    normalise_pci_address,
    parse_int,
    parse_size,
)

__all__ = [
    "StorcliController",
    "controllers_from_pci",
    "parse_megacli_pdlist",
    "parse_storage_firmware",
    "parse_storcli",
]

# Drivers that name the controller's kind better than its PCI class does.
_KIND_OF_DRIVER = {
    "megaraid_sas": "megaraid",
    "hpsa": "smartarray",
    "smartpqi": "smartarray",
    "mpt3sas": "sas",
    "mpt2sas": "sas",
    "mptsas": "sas",
    "ahci": "ahci",
    "nvme": "nvme",
}
# PCI subclasses of class 01 (mass storage): RAID, SATA, SAS, NVM.
_KIND_OF_CLASS = {"0104": "megaraid", "0106": "ahci", "0107": "sas", "0108": "nvme"}


@dataclass(frozen=True)
class StorcliController:
    pci_address: str | None
    model: str | None
    firmware_version: str | None
    drives: tuple[RaidDriveFacts, ...]


def _kind(device: PciFacts) -> str:
    kind = _KIND_OF_DRIVER.get(device.driver or "")
    if kind is None:
        kind = _KIND_OF_CLASS.get(device.class_id or "", "other")
        # A RAID-class device is a MegaRAID only when LSI/Broadcom made it.
        if kind == "megaraid" and device.vendor_id != "1000":
            kind = "other"
    return kind


def parse_storage_firmware(text: str) -> dict[str, str]:
    """The agent's storage-firmware.txt (from sysfs): PCI address -> firmware.
    Lines that are not "<PCI address> <firmware>" are skipped."""
    found = {}
    for line in text.splitlines():
        address, _, firmware = line.strip().partition(" ")
        pci = normalise_pci_address(address)
        if pci and firmware.strip():
            found[pci] = firmware.strip()[:64]
    return found


def controllers_from_pci(
    devices: Iterable[PciFacts],
    storcli: Iterable[StorcliController] = (),
    sysfs_firmware: Mapping[str, str] | None = None,
) -> tuple[StorageControllerFacts, ...]:
    """A controller per mass-storage PCI function, with its firmware from storcli
    (a MegaRAID), else from sysfs (NVMe, hpsa, mpt3sas)."""
    firmware = {c.pci_address: c for c in storcli if c.pci_address}
    sysfs = sysfs_firmware or {}
    found = []
    for device in devices:
        if not (device.class_id or "").startswith("01"):
            continue
        known = firmware.get(device.address)
        found.append(
            StorageControllerFacts(
                name=device.address,
                kind=_kind(device),
                vendor=device.vendor_name,
                model=(known.model if known else None) or device.device_name,
                firmware_version=(known.firmware_version if known else None)
                or sysfs.get(device.address),
                driver=device.driver,
            )
        )
    return tuple(found)


def _storcli_pci(value: object) -> str | None:
    """storcli's "00:18:00:00" (domain:bus:device:function) -> 0000:18:00.0."""
    parts = str(value or "").strip().split(":")
    if len(parts) != 4:
        return None
    domain, bus, device, function = parts
    return normalise_pci_address(f"{domain.zfill(4)}:{bus[-2:]}:{device[-2:]}.{int(function, 16)}")


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _drives(rows: object, controller: str | None) -> tuple[RaidDriveFacts, ...]:
    drives = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        position = _text(row.get("EID:Slt"))
        if position is None:
            continue
        enclosure, _, slot = position.rpartition(":")
        size = parse_size(str(row.get("Size", "")))
        if size is not None and size > MAX_BYTES:
            raise ParseError(
                f"drive {position}: {row.get('Size')!s:.40} is above {MAX_BYTES} bytes"
            )
        drives.append(
            RaidDriveFacts(
                position=position,
                slot=slot,
                enclosure=enclosure.strip() or None,
                controller=controller,
                size_bytes=size,
                state=_text(row.get("State")),
                model=_text(row.get("Model")),
            )
        )
    return tuple(drives)


def parse_storcli(text: str) -> list[StorcliController]:
    """``storcli /call show J``: each controller's PCI address, firmware and drives."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"not JSON (line {error.lineno}: {error.msg})") from None
    controllers = data.get("Controllers") if isinstance(data, dict) else None
    if not isinstance(controllers, list):
        raise ParseError("no 'Controllers' list: not storcli JSON output")
    found = []
    for item in controllers:
        answer = item.get("Response Data") if isinstance(item, dict) else None
        if not isinstance(answer, dict):
            continue  # "No Controller found", or a controller that did not answer
        try:
            address = _storcli_pci(answer.get("PCI Address"))
        except ValueError:
            address = None
        found.append(
            StorcliController(
                pci_address=address,
                model=_text(answer.get("Product Name")),
                firmware_version=_text(answer.get("FW Package Build"))
                or _text(answer.get("FW Version")),
                drives=_drives(answer.get("PD LIST"), address),
            )
        )
    return found


_MEGACLI_SIZE = re.compile(r"\[0x(?P<sectors>[0-9a-fA-F]+) Sectors\]")


def _megacli_drive(fields: Mapping[str, str]) -> RaidDriveFacts | None:
    slot = fields.get("Slot Number")
    if not slot:
        return None
    enclosure = fields.get("Enclosure Device ID")
    # As OCI's agent: the non-coerced sectors times the sector size (0 means 512).
    sectors = _MEGACLI_SIZE.search(fields.get("Non Coerced Size", "") or fields.get("Raw Size", ""))
    sector_size = parse_int(fields.get("Sector Size", "").split(" ")[0] or "0") or 512
    state = fields.get("Firmware state", "").partition(",")[0].strip()
    position = f"{enclosure}:{slot}" if enclosure else slot
    count = sectors["sectors"] if sectors else None
    size = int(count, 16) * sector_size if count else None
    if count and size is not None and size > MAX_BYTES:
        # Past the column (BigInteger): no drive's, and a database error at write.
        raise ParseError(
            f"drive {position}: 0x{count[:40]} sectors of "
            f"{str(sector_size)[:40]} bytes is above {MAX_BYTES} bytes"
        )
    return RaidDriveFacts(
        position=position,
        slot=slot,
        enclosure=enclosure or None,
        size_bytes=size,
        state=state or None,
        # Vendor, model and serial in an order each drive family chooses.
        model=" ".join(fields.get("Inquiry Data", "").split()) or None,
    )


def parse_megacli_pdlist(text: str) -> list[RaidDriveFacts]:
    """``megacli -PDList -aALL -NoLog``: one "Key: value" block per drive, each
    starting at its "Enclosure Device ID" (or "Slot Number") line."""
    if "Slot Number" not in text and "Adapter" not in text:
        raise ParseError("no 'Slot Number' or 'Adapter' line: not megacli -PDList output")
    drives: list[RaidDriveFacts] = []
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key:
            continue
        starts = key == "Enclosure Device ID" or (key == "Slot Number" and "Slot Number" in fields)
        if starts and fields:
            drive = _megacli_drive(fields)
            drives += [drive] if drive else []
            fields = {}
        fields.setdefault(key, value.strip())
    drive = _megacli_drive(fields)
    return drives + ([drive] if drive else [])
