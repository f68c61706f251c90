"""`lsblk -J -b -O`: the machine's disks.

Only whole disks are kept (type "disk"). Skipped entirely, because they are
not disks an installer can use or that identify the machine: loop, ram and
zram devices, optical drives (sr*, type rom), device-mapper and md devices,
network block devices, partitions, and disks of size 0 (a card reader with
no medium). kind: nvme for NVMe, else ssd/hdd from the rotational flag,
else other.
"""

from __future__ import annotations

import json
import re

from oci.ingest.facts import DiskFacts
from oci.ingest.values import ParseError, parse_int

__all__ = ["disk_kind", "parse_lsblk"]

_NOT_DISKS = re.compile(r"^(loop|ram|zram|sr|md|dm-|nbd)\d*")


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _rotational(value: object) -> bool | None:
    # util-linux >= 2.33 prints JSON booleans; older versions "0"/"1" strings.
    if isinstance(value, bool):
        return value
    if value in ("1", 1):
        return True
    if value in ("0", 0):
        return False
    return None


def disk_kind(name: str, transport: str | None, rotational: bool | None) -> str:
    if transport == "nvme" or name.startswith("nvme"):
        return "nvme"
    if rotational is None:
        return "other"
    return "hdd" if rotational else "ssd"


def parse_lsblk(text: str) -> list[DiskFacts]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"not JSON (line {error.lineno}: {error.msg})") from None
    devices = data.get("blockdevices") if isinstance(data, dict) else None
    if not isinstance(devices, list):
        raise ParseError('no "blockdevices" list')
    disks = []
    for device in devices:
        if not isinstance(device, dict):
            continue
        name = _text(device.get("kname")) or _text(device.get("name"))
        size = parse_int(device.get("size"))
        if not name or device.get("type") != "disk" or _NOT_DISKS.match(name) or not size:
            continue
        transport = (_text(device.get("tran")) or "").lower() or None
        if transport is None:
            # virtio disks have no "tran"; their subsystems say "block:virtio:pci".
            if "virtio" in (_text(device.get("subsystems")) or ""):
                transport = "virtio"
            elif name.startswith("nvme"):
                transport = "nvme"
        rotational = _rotational(device.get("rota"))
        disks.append(
            DiskFacts(
                name=name,
                size_bytes=size,
                kind=disk_kind(name, transport, rotational),
                rotational=rotational,
                model=_text(device.get("model")),
                serial=_text(device.get("serial")),
                wwn=(_text(device.get("wwn")) or "").lower() or None,
                transport=transport,
            )
        )
    return disks
