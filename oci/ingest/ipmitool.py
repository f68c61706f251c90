"""ipmitool: the BMC's address (`lan print 1`) and firmware (`mc info`).

Both print "Name<padding>: value" lines; continuation lines start with
spaces and ":" (lan print) or are indented list items (mc info).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from oci.ingest.values import ParseError, normalise_mac

__all__ = ["LanInfo", "McInfo", "parse_lan_print", "parse_mc_info"]


@dataclass(frozen=True)
class LanInfo:
    ip_address: str | None = None
    mac: str | None = None


@dataclass(frozen=True)
class McInfo:
    firmware_version: str | None = None
    manufacturer: str | None = None


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line[:1].strip():  # continuation or list item
            continue
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields.setdefault(key.strip(), value.strip())
    return fields


def parse_lan_print(text: str) -> LanInfo:
    fields = _fields(text)
    if "IP Address" not in fields and "MAC Address" not in fields:
        raise ParseError("no 'IP Address' or 'MAC Address' line: not `ipmitool lan print`")
    ip = None
    try:
        address = ipaddress.ip_address(fields.get("IP Address", ""))
        ip = None if address.is_unspecified else str(address)  # 0.0.0.0: not configured
    except ValueError:
        pass
    return LanInfo(ip_address=ip, mac=normalise_mac(fields.get("MAC Address")))


def parse_mc_info(text: str) -> McInfo:
    fields = _fields(text)
    if "Firmware Revision" not in fields and "Manufacturer Name" not in fields:
        raise ParseError("no 'Firmware Revision' line: not `ipmitool mc info`")
    return McInfo(
        firmware_version=fields.get("Firmware Revision") or None,
        manufacturer=fields.get("Manufacturer Name") or None,
    )
