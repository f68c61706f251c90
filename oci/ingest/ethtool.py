"""`ethtool -i <nic>`: driver, firmware version and bus address of one NIC.

bus-info is a PCI address for PCI NICs ("0000:3b:00.0"), "usb-..." for USB
NICs, empty or "N/A" for virtual ones. `ethtool -i` has no link speed.
"""

from __future__ import annotations

from dataclasses import dataclass

from oci.ingest.values import ParseError

__all__ = ["EthtoolInfo", "parse_ethtool_info"]


@dataclass(frozen=True)
class EthtoolInfo:
    driver: str | None = None
    version: str | None = None
    firmware_version: str | None = None
    bus_info: str | None = None


def parse_ethtool_info(text: str) -> EthtoolInfo:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    if "driver" not in fields:
        raise ParseError("no 'driver:' line: not `ethtool -i` output")

    def get(key: str) -> str | None:
        value = fields.get(key, "")
        return None if value in ("", "N/A") else value

    return EthtoolInfo(
        driver=get("driver"),
        version=get("version"),
        firmware_version=get("firmware-version"),
        bus_info=get("bus-info"),
    )
