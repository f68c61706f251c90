"""`ip -j -d link`: network interfaces, their MACs and what they sit on.

With -d, the kernel names the parent device: "parentbus": "pci" and
"parentdev": "0000:3b:00.0" for a PCI NIC, "usb"/"virtio" otherwise, nothing
for bonds, bridges, VLANs and veths ("linkinfo": {"info_kind": ...}).
Only Ethernet links (link_type "ether") are kept; InfiniBand (20-byte
addresses) and loopback are not NICs with a MAC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from oci.ingest.values import ParseError, normalise_mac

__all__ = ["Link", "parse_ip_link"]


@dataclass(frozen=True)
class Link:
    name: str
    mac: str
    parentbus: str | None = None  # pci, usb, virtio
    parentdev: str | None = None  # 0000:3b:00.0
    kind: str | None = None  # bond, bridge, vlan, veth... (None for plain devices)
    link_up: bool | None = None  # carrier present (LOWER_UP), None when not said


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_ip_link(text: str) -> list[Link]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"not JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, list):
        raise ParseError("not a list of links")
    links = []
    for item in data:
        if not isinstance(item, dict) or item.get("link_type") != "ether":
            continue
        name = _text(item.get("ifname"))
        # A bond slave carries the bond's MAC; permaddr is the one burnt in.
        mac = normalise_mac(item.get("permaddr")) or normalise_mac(item.get("address"))
        if not name or not mac:
            continue
        linkinfo = item.get("linkinfo")
        kind = _text(linkinfo.get("info_kind")) if isinstance(linkinfo, dict) else None
        flags = item.get("flags")
        links.append(
            Link(
                name=name,
                mac=mac,
                parentbus=_text(item.get("parentbus")),
                parentdev=_text(item.get("parentdev")),
                kind=kind,
                link_up="LOWER_UP" in flags if isinstance(flags, list) else None,
            )
        )
    return links
