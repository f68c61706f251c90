"""`nvme list -o json`: NVMe namespaces with model, serial and size.

nvme-cli 1.x and 2.x print {"Devices": [{"DevicePath": "/dev/nvme0n1",
"ModelNumber", "SerialNumber", "Firmware", "PhysicalSize", ...}]}; the
verbose (-v) tree of subsystems/controllers is not read (the agent does not
ask for it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from oci.ingest.values import ParseError, parse_int

__all__ = ["NvmeNamespace", "parse_nvme_list"]


@dataclass(frozen=True)
class NvmeNamespace:
    name: str  # nvme0n1
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    size_bytes: int | None = None


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_nvme_list(text: str) -> list[NvmeNamespace]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"not JSON (line {error.lineno}: {error.msg})") from None
    devices = data.get("Devices") if isinstance(data, dict) else None
    if not isinstance(devices, list):
        raise ParseError('no "Devices" list')
    namespaces = []
    for device in devices:
        path = _text(device.get("DevicePath")) if isinstance(device, dict) else None
        if not path:
            continue
        namespaces.append(
            NvmeNamespace(
                name=path.rsplit("/", 1)[-1],
                # nvme-cli pads model and serial with spaces (fixed-width fields).
                model=_text(device.get("ModelNumber")),
                serial=_text(device.get("SerialNumber")),
                firmware=_text(device.get("Firmware")),
                size_bytes=parse_int(device.get("PhysicalSize")),
            )
        )
    return namespaces
