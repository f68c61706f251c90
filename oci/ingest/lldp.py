"""lldpctl (lldpd): the switch and port on the other end of each NIC.

Three spellings of the same neighbour table are read:
  -f keyvalue  "lldp.eno1.chassis.name=leaf01" lines; long values (a Cisco
               SysDescr) continue on the following lines
  -f json      {"lldp": {"interface": {"eno1": {...}} or [{"eno1": {...}}, ...]}},
               the chassis keyed by the switch's name
  -f json0     every value wrapped in a list, interfaces as [{"name": "eno1", ...}]

The switch also advertises its port's operational MAU type
("port.auto-negotiation.current=10GigBaseLR - R fiber over 1310 nm optics"),
which is the negotiated speed of our link: `link_speed_mbps` reads it, the
only source of NIC speed in a report (ethtool -i and ip link have none).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from oci.ingest.facts import LldpFacts
from oci.ingest.values import ParseError, normalise_mac, parse_int

__all__ = ["LldpResult", "link_speed_mbps", "parse_lldp_json", "parse_lldp_keyvalue"]

# lldpd's names for the chassis/port id subtypes (liblldpctl atoms).
_ID_SUBTYPES = ("ifname", "local", "mac", "ip", "ifalias", "unhandled")
_MAU = re.compile(r"^(\d+)(?:p(\d))?(G|Gig)?(?:base|Base|T)")


@dataclass(frozen=True)
class LldpResult:
    neighbours: tuple[LldpFacts, ...]
    speeds: dict[str, int] = field(default_factory=dict)  # local NIC -> Mb/s


def link_speed_mbps(mau: str | None) -> int | None:
    """'10GigBaseLR - ...' -> 10000, '1000BaseTFD' -> 1000, '2p5GigT' -> 2500."""
    match = _MAU.match((mau or "").strip())
    if match is None:
        return None
    speed = int(match.group(1)) + int(match.group(2) or 0) / 10
    return int(speed * 1000) if match.group(3) else int(speed)


def _identifier(kind: str | None, value: str | None) -> str | None:
    if kind == "mac":
        return normalise_mac(value) or value
    return value or None


def _vlan(entries: list[tuple[str | None, bool]]) -> int | None:
    """The port VLAN (pvid) if flagged, else the only VLAN advertised."""
    numbers = [(parse_int(v), pvid) for v, pvid in entries]
    ids = [(v, pvid) for v, pvid in numbers if v is not None]
    flagged = [v for v, pvid in ids if pvid]
    if flagged:
        return flagged[0]
    return ids[0][0] if len(ids) == 1 else None


@dataclass
class _Neighbour:
    interface: str
    values: dict[str, str] = field(default_factory=dict)
    vlans: list[tuple[str | None, bool]] = field(default_factory=list)


def parse_lldp_keyvalue(text: str) -> LldpResult:
    lines = text.splitlines()
    # Interface names may hold dots (eth0.100): learn them from the ".via" lines.
    interfaces = sorted(
        {
            line.split("=", 1)[0].removeprefix("lldp.").removesuffix(".via")
            for line in lines
            if line.startswith("lldp.") and line.split("=", 1)[0].endswith(".via")
        },
        key=len,
        reverse=True,
    )
    neighbours: list[_Neighbour] = []
    latest: dict[str, _Neighbour] = {}
    last: tuple[_Neighbour, str] | None = None
    for line in lines:
        key, sep, value = line.partition("=")
        interface = next((i for i in interfaces if key.startswith(f"lldp.{i}.")), None)
        if not sep or interface is None:
            if last is not None and line.strip():  # a multi-line value continues
                neighbour, path = last
                neighbour.values[path] += "\n" + line
            continue
        path = key[len(f"lldp.{interface}.") :]
        if path == "via" or interface not in latest:
            latest[interface] = _Neighbour(interface)
            neighbours.append(latest[interface])
        neighbour = latest[interface]
        if path == "vlan.vlan-id":
            neighbour.vlans.append((value.strip(), False))
        elif path == "vlan.pvid" and neighbour.vlans:
            neighbour.vlans[-1] = (neighbour.vlans[-1][0], value.strip() == "yes")
        neighbour.values.setdefault(path, value)
        last = (neighbour, path)
    if text.strip() and not neighbours:
        raise ParseError("no 'lldp.<interface>.via=' line: not `lldpctl -f keyvalue` output")
    facts: list[LldpFacts] = []
    speeds: dict[str, int] = {}
    for n in neighbours:
        chassis = next((k for k in _ID_SUBTYPES if f"chassis.{k}" in n.values), None)
        port = next((k for k in _ID_SUBTYPES if f"port.{k}" in n.values), None)
        facts.append(
            LldpFacts(
                interface=n.interface,
                switch_name=n.values.get("chassis.name") or None,
                chassis_id=_identifier(chassis, n.values.get(f"chassis.{chassis}")),
                port_id=_identifier(port, n.values.get(f"port.{port}")),
                port_description=n.values.get("port.descr") or None,
                vlan=_vlan(n.vlans),
            )
        )
        speed = link_speed_mbps(n.values.get("port.auto-negotiation.current"))
        if speed:
            speeds.setdefault(n.interface, speed)
    return LldpResult(tuple(facts), speeds)


def _first(value: Any) -> Any:
    """json0 wraps everything in lists; json only where there are several."""
    while isinstance(value, list):
        value = value[0] if value else None
    return value


def _value(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = _first(value.get("value"))
    return str(value).strip() or None if value is not None else None


def _typed(value: Any) -> tuple[str | None, str | None]:
    value = _first(value)
    if not isinstance(value, dict):
        return None, _value(value)
    return _value(value.get("type")), _value(value.get("value"))


def _interfaces(data: Any) -> list[tuple[str, dict[str, Any]]]:
    lldp = _first(data.get("lldp")) if isinstance(data, dict) else None
    if not isinstance(lldp, dict):
        raise ParseError('no "lldp" object: not lldpctl JSON')
    raw = lldp.get("interface") or []
    items = raw if isinstance(raw, list) else [raw]
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if "name" in item and ("chassis" in item or "via" in item):  # json0
            found.append((_value(item["name"]) or "", item))
        else:  # json: {"eno1": {...}}
            found.extend((k, v) for k, v in item.items() if isinstance(v, dict))
    return found


def parse_lldp_json(text: str) -> LldpResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"not JSON (line {error.lineno}: {error.msg})") from None
    facts: list[LldpFacts] = []
    speeds: dict[str, int] = {}
    for name, body in _interfaces(data):
        chassis = _first(body.get("chassis")) or {}
        switch_name = _value(chassis.get("name"))
        if "id" not in chassis and len(chassis) == 1:  # json: keyed by the switch's name
            switch_name, chassis = next(iter(chassis.items()))
            chassis = _first(chassis) or {}
        port = _first(body.get("port")) or {}
        vlans = body.get("vlan") or []
        vlans = vlans if isinstance(vlans, list) else [vlans]
        vlan_entries = [
            (_value(v.get("vlan-id")), _first(v.get("pvid")) in (True, "yes"))
            for v in vlans
            if isinstance(v, dict)
        ]
        facts.append(
            LldpFacts(
                interface=name,
                switch_name=switch_name,
                chassis_id=_identifier(*_typed(chassis.get("id"))),
                port_id=_identifier(*_typed(port.get("id"))),
                port_description=_value(port.get("descr")),
                vlan=_vlan(vlan_entries),
            )
        )
        negotiation = _first(port.get("auto-negotiation"))
        if isinstance(negotiation, dict):
            speed = link_speed_mbps(_value(negotiation.get("current")))
            if speed:
                speeds.setdefault(name, speed)
    return LldpResult(tuple(facts), speeds)
