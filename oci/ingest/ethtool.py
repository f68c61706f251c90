"""`ethtool -i <nic>` (driver, firmware version, bus address) and `ethtool <nic>`
(link speed and supported modes) of one NIC.

bus-info is a PCI address for PCI NICs ("0000:3b:00.0"), "usb-..." for USB
NICs, empty or "N/A" for virtual ones. `ethtool -i` has no link speed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oci.ingest.values import MAX_MBPS, ParseError

__all__ = ["EthtoolInfo", "LinkSettings", "parse_ethtool_info", "parse_ethtool_link"]


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


@dataclass(frozen=True)
class LinkSettings:
    """`ethtool <nic>`: what the link runs at, and the fastest it could."""

    speed_mbps: int | None = None  # None: link down or not reported ("Unknown!")
    max_supported_mbps: int | None = None  # from "Supported link modes"
    link_detected: bool | None = None


_MODE = re.compile(r"^(\d+)base", re.IGNORECASE)
_SPEED = re.compile(r"^(\d+)\s*Mb/s$")


def _modes(lines: list[str], start: int) -> list[str]:
    """The link modes of the field at `start` and its indented continuation lines."""
    first = lines[start].split(":", 1)[1]
    words = first.split()
    for line in lines[start + 1 :]:
        if ":" in line:  # the next field
            break
        words += line.split()
    return words


def parse_ethtool_link(text: str) -> LinkSettings:
    lines = text.splitlines()
    if not any(line.startswith("Settings for ") for line in lines):
        raise ParseError("no 'Settings for' line: not `ethtool <nic>` output")
    speed = maximum = detected = None
    for index, line in enumerate(lines):
        key, sep, value = line.strip().partition(":")
        if not sep:
            continue
        value = value.strip()
        if key == "Speed":
            match = _SPEED.match(value)
            speed = int(match.group(1)) if match and int(match.group(1)) > 0 else None
            if speed is not None and speed > MAX_MBPS:  # past its Integer column
                raise ParseError(f"Speed: {speed} Mb/s is above {MAX_MBPS}")
        elif key == "Supported link modes":
            speeds = [int(m.group(1)) for w in _modes(lines, index) if (m := _MODE.match(w))]
            maximum = max(speeds, default=None)
        elif key == "Link detected":
            detected = value == "yes"
    return LinkSettings(speed, maximum, detected)
