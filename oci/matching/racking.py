"""Where a machine stands, from the switches its NICs hear over LLDP (pure).

A switch is looked up in the table first (host name -> dc, row, rack,
location, aggregate), then through the patterns in order (a regular
expression with named groups dc, row, rack and optionally u, and templates
for the location and aggregate). The U position comes from a ``u`` group of
the switch name, or from the rule's port pattern on the LLDP port ID.

A machine is placed only when every neighbour is known and they all stand in
one rack, and every link-up physical NIC heard one; otherwise it is flagged,
with each reason, and left where it is. When the rules list products (U
heights, OCI's ``productnames``), a machine of another product is flagged too,
as OCI places only those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oci.inventory.view import MachineView, NeighbourView
from oci.matching.profiles import Position, Switches

__all__ = ["Place", "Racking", "Rules", "compile_rules", "guess"]


@dataclass(frozen=True, slots=True)
class Place:
    datacenter: str
    row: str
    rack: str
    u_position: int | None = None
    location: str | None = None
    aggregate: str | None = None


@dataclass(frozen=True)
class Racking:
    place: Place | None
    flags: tuple[str, ...]  # why it is not placed; empty when placed
    reasons: tuple[str, ...]  # how each neighbour was read


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    location: str | None
    aggregate: str | None
    port: re.Pattern[str] | None


@dataclass(frozen=True)
class Rules:
    table: dict[str, tuple[Place, re.Pattern[str] | None]] = field(default_factory=dict)
    patterns: tuple[_Pattern, ...] = ()
    products: dict[str, int] = field(default_factory=dict)  # U height by product name


def _port(position: Position | None) -> re.Pattern[str] | None:
    return re.compile(position.port) if position else None


def compile_rules(switches: Switches) -> Rules:
    table = {
        name: (
            Place(e.dc, e.row, e.rack, None, e.location, e.aggregate),
            _port(e.position),
        )
        for name, e in switches.table.items()
    }
    patterns = tuple(
        _Pattern(re.compile(p.regex), p.location, p.aggregate, _port(p.position))
        for p in switches.patterns
    )
    return Rules(table, patterns, dict(switches.products))


def _number(text: str | None) -> int | None:
    # ASCII digits: isdigit() takes "²", which int() refuses, and other scripts'
    # digits, which \d matches and int() reads as ASCII ones.
    return int(text) if text and text.isascii() and text.isdigit() else None


def _u_from_port(port: re.Pattern[str] | None, neighbour: NeighbourView) -> int | None:
    if port is None or not neighbour.port_id:
        return None
    found = port.search(neighbour.port_id)
    return _number(found.group("u")) if found else None


def _resolve(rules: Rules, neighbour: NeighbourView) -> tuple[Place | None, str]:
    name = neighbour.switch_name or ""
    if name in rules.table:
        place, port = rules.table[name]
        u = _u_from_port(port, neighbour)
        where = f"{neighbour.interface}: switch {name} is in the switch table"
        return Place(
            place.datacenter, place.row, place.rack, u, place.location, place.aggregate
        ), where
    for index, pattern in enumerate(rules.patterns, start=1):
        found = pattern.regex.search(name)
        if not found:
            continue
        groups = {k: v or "" for k, v in found.groupdict().items()}
        u_text = groups.get("u")
        u = _number(u_text)
        if u is None:
            u = _u_from_port(pattern.port, neighbour)
        place = Place(
            groups["dc"],
            groups["row"],
            groups["rack"],
            u,
            pattern.location.format(**groups) if pattern.location else None,
            pattern.aggregate.format(**groups) if pattern.aggregate else None,
        )
        return place, f"{neighbour.interface}: switch {name} matches pattern {index}"
    return None, f"{neighbour.interface}: switch {name or '(no name)'} matches no switch rule"


def _describe(place: Place) -> str:
    u = f" U{place.u_position}" if place.u_position else ""
    return f"{place.datacenter}/{place.row}/{place.rack}{u}"


def guess(view: MachineView, rules: Rules) -> Racking:
    """The machine's place from its LLDP neighbours, or the reasons it has none."""
    flags: list[str] = []
    reasons: list[str] = []
    places: list[tuple[str, Place]] = []
    heard = {n.interface for n in view.neighbours if n.switch_name}
    for neighbour in sorted(view.neighbours, key=lambda n: n.interface):
        if not neighbour.switch_name:
            continue
        place, why = _resolve(rules, neighbour)
        if place is None:
            flags.append(f"unknown switch {neighbour.switch_name} on {neighbour.interface}")
        else:
            places.append((neighbour.interface, place))
            why += f": {_describe(place)}"
        reasons.append(why)
    for nic in view.nics:
        if nic.physical and nic.link_up and nic.name not in heard:
            flags.append(f"no LLDP on link-up NIC {nic.name}")
    if rules.products and view.product_name not in rules.products:
        flags.append(f"product {view.product_name!r} is not among the switch rules' products")
    racks = {(p.datacenter, p.row, p.rack) for _, p in places}
    if len(racks) > 1:
        seen = ", ".join(f"{nic} {_describe(p)}" for nic, p in places)
        flags.append(f"switches in different racks ({seen})")
    else:
        zones = {(p.location, p.aggregate) for _, p in places}
        if len(zones) > 1:
            flags.append("switches of one rack give different locations or aggregates")
    if not places and not flags:
        flags.append("no LLDP neighbour heard")
    if flags:
        return Racking(None, tuple(flags), tuple(reasons))
    first = places[0][1]
    positions = sorted({p.u_position for _, p in places if p.u_position is not None})
    # Two NICs on two switch ports of one rack: the lowest U is the machine's bottom.
    u = positions[0] if positions else None
    place = Place(first.datacenter, first.row, first.rack, u, first.location, first.aggregate)
    return Racking(place, (), tuple(reasons))
