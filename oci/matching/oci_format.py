"""OCI's hardware-profiles.json and auto-racking.json, to and from our file shape (pure).

OCI (openstack-cluster-installer 42.2.5, ``inc/hardware_profile.php`` and
``inc/auto_racking.php``) reads them so:

- A profile survives when the machine's DMI product name equals one of its
  ``product-name`` (case-sensitive), its RAM (the DIMMs' sum, in GiB) is
  within ``ram.min``..``ram.max`` (numbers of GiB, both bounds included), and
  its ``hdd.controller`` is the machine's: ``megacli`` when the agent found
  drives behind a MegaRAID controller, else ``none``. For ``megacli``, each
  ``hdd.layout`` entry then takes ``num_min`` drives whose size, floored to
  GiB, is within ``size_min``..``size_max``. Exactly one survivor wins.
  Here: ``match.hardware_raid`` and ``match.raid_drives``, on the RAID drives
  of the machine's facts (OCI's agent's phys-blockdevices, ours' storcli).
- A machine is placed by the first NIC whose LLDP switch is a key of
  ``switchhostnames``, when its product is in ``productnames`` (``num-u``)
  and the switch port is in ``switchportnames`` (port -> bottom U).

What our profiles cannot say is returned as notes, one sentence each, and
kept in the profile's ``oci`` key when ``profile-export --format oci`` needs
it back. Nothing is dropped without a note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from oci.choices import CPU_MODELS, SERIAL_CONSOLES
from oci.enrolment import oci_flags
from oci.matching.profiles import Document, Profile, ProfileError, Switches, validate
from oci.matching.units import parse_size, parse_size_range
from oci.raid.plan import oci_hdd_notes

__all__ = ["Exported", "Loaded", "detect", "from_oci", "load", "to_oci"]

OciKind = Literal["hardware-profiles", "auto-racking"]
Format = Literal["auto", "yaml", "oci"]
GIB = 2**30
RACKING_KEYS = ("productnames", "switchhostnames", "switchportnames")
PROFILE_KEYS = ("role", "product-name", "ram", "hdd", "machine-set")
# The typed apply fields written as machine-set flags: flag -> (apply key, values).
# OCI's lines are read as apply.options (oci.enrolment.oci_flags).
MACHINE_SET: dict[str, tuple[str, tuple[str, ...]]] = {
    "--use_ceph_if_available": ("use_ceph_if_available", ("yes", "no")),
    "--serial-console-device": ("serial_console", SERIAL_CONSOLES),
    "--cpu-model": ("cpu_model", CPU_MODELS),
}
FLAG_OF = {key: flag for flag, (key, _) in MACHINE_SET.items()}


@dataclass(frozen=True)
class Loaded:
    document: Document
    kind: str  # "yaml", "hardware-profiles" or "auto-racking"
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Exported:
    hardware_profiles: dict[str, Any]
    auto_racking: dict[str, Any]
    notes: tuple[str, ...]


def detect(data: Any) -> OciKind | None:
    """Which OCI file ``data`` is, by its shape; None for our own shape."""
    if not isinstance(data, dict) or not data or {"profiles", "switches"} & set(data):
        return None
    if set(data) <= set(RACKING_KEYS):
        return "auto-racking"
    if all(isinstance(v, dict) and set(PROFILE_KEYS) & set(v) for v in data.values()):
        return "hardware-profiles"
    return None


def _parse(text: str, source: str) -> Any:
    # OCI's files are JSON, which YAML mostly reads too, but not a tab.
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError([f"{source}: neither JSON nor YAML: {exc}".replace("\n", " ")]) from None
    return data if data is not None else {}


def load(text: str, source: str, fmt: Format = "auto") -> Loaded:
    """A profiles file of either shape as our Document, with notes on what OCI's says
    that ours cannot. ``fmt`` "oci" refuses our own shape, "yaml" refuses OCI's."""
    data = _parse(text, source)
    kind = detect(data) if fmt != "yaml" else None
    if kind is None:
        if fmt == "oci":
            raise ProfileError(
                [
                    f"{source}: not an OCI file: expected hardware-profiles.json (name -> "
                    "{role, product-name, ram, hdd, ...}) or auto-racking.json "
                    f"({', '.join(RACKING_KEYS)})"
                ]
            )
        return Loaded(validate(data, source), "yaml", ())
    converted, notes = from_oci(data, kind, source)
    return Loaded(validate(converted, source), kind, tuple(notes))


def from_oci(data: dict[str, Any], kind: OciKind, source: str) -> tuple[dict[str, Any], list[str]]:
    """OCI's file as our file shape (still to validate), and the notes."""
    if kind == "auto-racking":
        return _racking_from_oci(data, source)
    notes: list[str] = []
    problems: list[str] = []
    profiles = [
        _profile_from_oci(name, entry, f"{source}: profile {name!r}", notes, problems)
        for name, entry in data.items()
    ]
    if problems:
        raise ProfileError(problems)
    return {"profiles": profiles}, notes


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(number: float) -> str:
    return f"{number:g}"


def _glob_literal(name: str) -> str:
    # OCI compares names exactly: escape what fnmatch reads as a wildcard.
    return re.sub(r"([*?\[])", r"[\1]", name)


def _unglob(glob: str) -> str | None:
    """The literal a glob stands for, or None when it has a real wildcard."""
    literal = re.sub(r"\[([*?\[])\]", "", glob)
    if any(c in literal for c in "*?["):
        return None
    return re.sub(r"\[([*?\[])\]", r"\1", glob)


def _profile_from_oci(
    name: str, entry: Any, where: str, notes: list[str], problems: list[str]
) -> dict[str, Any]:
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a mapping")
        return {}
    kept = {k: v for k, v in entry.items() if k not in ("role", "product-name", "ram")}
    profile: dict[str, Any] = {
        "name": name,
        "role": entry.get("role"),
        "description": "imported from OCI's hardware-profiles.json",
    }
    products = entry.get("product-name")
    if not isinstance(products, list) or not products:
        problems.append(f"{where}: product-name: a list of names is needed (OCI matches none)")
        products = []
    match: dict[str, Any] = {"product": [_glob_literal(str(p)) for p in products]}
    ram = entry.get("ram")
    ram = ram if isinstance(ram, dict) else {}
    low, high = _number(ram.get("min")), _number(ram.get("max"))
    if high is None:
        problems.append(f"{where}: ram.max: a number of GB is needed (OCI matches none without)")
    match["ram"] = {"max": f"{_text(high or 0)}GiB"}
    if low is not None:
        match["ram"]["min"] = f"{_text(low)}GiB"
    hdd = entry.get("hdd")
    if isinstance(hdd, dict):
        match.update(_raid_from_oci(hdd, where, notes))
    elif hdd is not None:
        problems.append(f"{where}: hdd: expected a mapping")
    profile["match"] = match
    apply = _machine_set_from_oci(entry.get("machine-set"), where, notes, problems)
    if apply:
        profile["apply"] = apply
    for key in kept:
        if key == "machine-set" or (key == "hdd" and not (isinstance(hdd, dict) and _layouts(hdd))):
            continue  # named above, string by string or with the controller
        if key == "hdd" and isinstance(hdd, dict) and hdd.get("controller") == "megacli":
            # machine-megacli-apply builds these volumes: say how, volume by volume.
            notes += oci_hdd_notes(hdd, where)
            continue
        why = _WHY_KEPT.get(key, _WHY_UNKNOWN)
        notes.append(f"{where}: {why}" if key == "hdd" else f"{where}: {key}: {why}")
    if kept:
        profile["oci"] = kept
    return profile


_WHY_KEPT = {
    "hdd": "hdd.layout: OCI builds no volume without a RAID controller (controller "
    "'none'); kept for profile-export --format oci",
    "properties": "OCI 42.2.5 reads it nowhere either; kept for profile-export --format oci",
    "after-puppet-controller-command": "commands run on the first controller after Puppet "
    "are not run here; kept for profile-export --format oci",
}
_WHY_UNKNOWN = "not an OCI 42.2.5 key; kept for profile-export --format oci, not used"


def _layouts(hdd: dict[str, Any]) -> list[dict[str, Any]]:
    layout = hdd.get("layout")
    items = layout.values() if isinstance(layout, dict) else layout or []
    return [item for item in items if isinstance(item, dict)]


def _raid_from_oci(hdd: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any]:
    """hdd.controller and its layouts as match conditions on the RAID drives."""
    controller = hdd.get("controller")
    if controller != "megacli":
        notes.append(
            f"{where}: hdd.controller {controller!r}: as in OCI, only for machines without "
            "drives behind a RAID controller, and no disk is checked"
        )
        return {"hardware_raid": False}
    notes.append(
        f"{where}: hdd.controller 'megacli': as in OCI, only for machines with drives behind "
        "a RAID controller (what the agent found with megacli or storcli); the layout's "
        "sizes are checked on those drives"
    )
    ranges = []
    for item in _layouts(hdd):
        low, high, count = (_number(item.get(k)) for k in ("size_min", "size_max", "num_min"))
        if low is not None and high is not None and count:
            ranges.append((low, high, int(count)))
    if not ranges:
        return {"hardware_raid": True}
    low = min(r[0] for r in ranges)
    high = max(r[1] for r in ranges)
    total = sum(r[2] for r in ranges)
    if len({(r[0], r[1]) for r in ranges}) > 1:
        notes.append(
            f"{where}: hdd.layout: {len(ranges)} size ranges are checked as one: at least "
            f"{total} drives of {_text(low)}..{_text(high)} GiB"
        )
    # OCI floors a drive's size to GiB: HIGH takes every size below HIGH+1 GiB.
    top = int((high + 1) * GIB) - 1
    return {
        "hardware_raid": True,
        "raid_drives": {"count": {"min": total}, "size": f"{_text(low)}GiB..{top}B"},
    }


def _machine_set_from_oci(
    value: Any, where: str, notes: list[str], problems: list[str]
) -> dict[str, Any]:
    """Lines whose every flag is a machine option become ``apply.options`` (read as
    machine-set reads them); the others are named. All stay in the ``oci`` key, as
    written, for the export."""
    if value is None:
        return {}
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: machine-set: expected a list of strings")
        return {}
    options: dict[str, Any] = {}
    for line in value:
        try:
            options |= oci_flags.read_line(line)
        except oci_flags.NotExpressed as exc:
            notes.append(f"{where}: machine-set {line!r}: {exc}; not applied, kept for export")
    return {"options": options} if options else {}


def _read_lines(lines: list[str]) -> tuple[dict[str, Any], list[str]]:
    """OCI's machine-set lines as (the options they apply, the lines not expressed)."""
    options: dict[str, Any] = {}
    unread = []
    for line in lines:
        try:
            options |= oci_flags.read_line(line)
        except oci_flags.NotExpressed:
            unread.append(line)
    return options, unread


def _port_rule(ports: dict[str, Any], where: str, notes: list[str]) -> str | None:
    """One port pattern for OCI's port -> U table: PREFIX(?P<u>U1|U2...)SUFFIX, for the
    largest family of ports written so; the others are named."""
    families: dict[tuple[str, str], list[str]] = {}
    odd: list[str] = []
    for port, u in ports.items():
        text = str(u)
        at = port.rfind(text)
        if not (text.isascii() and text.isdigit()) or at < 0:
            odd.append(port)
            continue
        families.setdefault((port[:at], port[at + len(text) :]), []).append(text)
    if not families:
        return None
    (prefix, suffix), us = max(families.items(), key=lambda item: len(item[1]))
    odd += [
        f"{p}{u}{s}"
        for (p, s), values in families.items()
        if (p, s) != (prefix, suffix)
        for u in values
    ]
    if odd:
        notes.append(
            f"{where}: switchportnames: {', '.join(sorted(odd))}: a U that is not the port's "
            "number cannot be written as a port pattern; machines on these ports get no U"
        )
    alternatives = "|".join(sorted(us, key=lambda u: (len(u), u), reverse=True))
    return f"^{re.escape(prefix)}(?P<u>{alternatives}){re.escape(suffix)}$"


RACKING_NOTES = (
    "a machine is placed here only when all its LLDP neighbours are known switches of one "
    "rack and every link-up NIC hears one; OCI takes the first NIC on a known switch",
    "a machine on a port missing from switchportnames is placed here without a U; "
    "OCI does not place it",
    "productnames' num-u is kept, but a machine records its bottom U only, not OCI's loc_u_end",
)


def _racking_from_oci(data: dict[str, Any], source: str) -> tuple[dict[str, Any], list[str]]:
    where = f"{source}"
    notes = [f"{where}: {note}" for note in RACKING_NOTES]
    problems: list[str] = []
    products: dict[str, Any] = {}
    for name, entry in (data.get("productnames") or {}).items():
        height = _number(entry.get("num-u")) if isinstance(entry, dict) else None
        if height is None:
            problems.append(f"{where}: productnames.{name}: num-u: a number is needed")
        products[name] = int(height or 0)
    ports = data.get("switchportnames") or {}
    port = _port_rule(ports, where, notes) if isinstance(ports, dict) else None
    table: dict[str, Any] = {}
    for name, entry in (data.get("switchhostnames") or {}).items():
        if not isinstance(entry, dict):
            problems.append(f"{where}: switchhostnames.{name}: expected a mapping")
            continue
        out: dict[str, Any] = {k: str(entry[k]) for k in ("dc", "row", "rack") if k in entry}
        for ours, theirs in (("location", "location-name"), ("aggregate", "compute-aggregate")):
            if theirs in entry:
                out[ours] = str(entry[theirs])
        extra = sorted(set(entry) - {"dc", "row", "rack", "location-name", "compute-aggregate"})
        if extra:
            notes.append(f"{where}: switchhostnames.{name}: {', '.join(extra)}: not kept")
        if port:
            out["position"] = {"port": port}
        table[name] = out
    if problems:
        raise ProfileError(problems)
    return {"switches": {"table": table, "products": products}}, notes


def to_oci(profiles: list[Profile], switches: Switches) -> Exported:
    """Our profiles and switch rules as OCI's two files, and what they cannot say."""
    notes: list[str] = []
    hardware = {p.name: _profile_to_oci(p, notes) for p in profiles}
    return Exported(hardware, _racking_to_oci(switches, notes), tuple(notes))


def _gib(size: str) -> float | int:
    value = parse_size(size) / GIB
    return int(value) if value.is_integer() else round(value, 3)


def _profile_to_oci(profile: Profile, notes: list[str]) -> dict[str, Any]:
    where = f"profile {profile.name!r}"
    kept = dict(profile.oci or {})
    entry: dict[str, Any] = {"role": profile.role}
    match = profile.match
    names = []
    for glob in match.product or []:
        literal = _unglob(glob)
        if literal is None:
            notes.append(f"{where}: product {glob!r}: OCI compares names exactly; written as is")
        names.append(literal or glob)
    if not names:
        notes.append(f"{where}: no product condition: OCI needs product-name, so matches none")
    entry["product-name"] = names
    ram = match.ram
    entry["ram"] = {
        "min": _gib(ram.min) if ram and ram.min else 0,
        "max": _gib(ram.max) if ram and ram.max else 1048576,
    }
    if not (ram and ram.max):
        notes.append(f"{where}: no ram.max: OCI needs one; written as 1048576 GB")
    if "hdd" in kept:
        entry["hdd"] = kept.pop("hdd")
    else:
        entry["hdd"] = _hdd_to_oci(profile, where, notes)
    for field in ("manufacturer", "architecture", "cpu", "nics", "gpus", "bmc"):
        if getattr(match, field) is not None:
            notes.append(f"{where}: match.{field}: OCI has no such condition; not written")
    sets = _machine_set_to_oci(profile, list(kept.pop("machine-set", [])), where, notes)
    if sets:
        entry["machine-set"] = sets
    for field in ("cluster", "location", "max_count"):
        if getattr(profile, field) is not None:
            notes.append(f"{where}: {field}: OCI has no such setting; not written")
    if profile.priority:
        notes.append(f"{where}: priority {profile.priority}: OCI has no priority; not written")
    entry.update(kept)
    return entry


def _hdd_to_oci(profile: Profile, where: str, notes: list[str]) -> dict[str, Any]:
    match = profile.match
    if match.disks:
        notes.append(
            f"{where}: match.disks: OCI checks only the drives behind a RAID controller; "
            "not written"
        )
    if not match.hardware_raid:
        return {"controller": "none", "layout": {}}
    layout: dict[str, Any] = {}
    drives = match.raid_drives
    if drives is not None:
        sizes = parse_size_range(drives.size) if drives.size else None
        count = drives.count if isinstance(drives.count, int) else getattr(drives.count, "min", 1)
        entry: dict[str, Any] = {"num_min": count or 1}
        if sizes is not None:
            # Back to OCI's floored GiB: the import wrote HIGH as HIGH+1 GiB - 1 byte.
            entry["size_min"] = _gib_number((sizes.low or 0) / GIB)
            entry["size_max"] = _gib_number((sizes.high + 1) / GIB - 1 if sizes.high else 1048576)
        layout["0"] = entry
    return {"controller": "megacli", "layout": layout}


def _gib_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)


def _machine_set_to_oci(
    profile: Profile, written: list[str], where: str, notes: list[str]
) -> list[str]:
    """The typed apply fields as one line, then OCI's lines as imported when they still
    say what apply.options says (byte for byte, in their order), else apply.options
    as one line and the imported lines that were not applied."""
    apply = profile.apply
    words = []
    for key, flag in FLAG_OF.items():
        value = getattr(apply, key)
        if value is not None:
            arg = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            words += [flag, arg]
    for key in ("raid", "gpus"):
        if getattr(apply, key) is not None:
            notes.append(f"{where}: apply.{key}: not written as machine-set")
    lines = [" ".join(words)] if words else []
    options = dict(apply.options or {})
    read, unread = _read_lines(written)
    if read == options:
        return lines + written
    if options.pop("gpus", None) is not None:
        notes.append(f"{where}: apply.options.gpus: not written as machine-set")
    if options:
        lines.append(oci_flags.write_line(options))
    return lines + unread


_OUR_PORT = re.compile(r"^\^(?P<prefix>.*)\(\?P<u>(?P<us>[0-9|]+)\)(?P<suffix>.*)\$$")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _ports_to_oci(pattern: str) -> dict[str, str] | None:
    found = _OUR_PORT.match(pattern)
    if not found:
        return None
    prefix, suffix = _unescape(found["prefix"]), _unescape(found["suffix"])
    us = sorted(found["us"].split("|"), key=lambda u: (len(u), u))
    return {f"{prefix}{u}{suffix}": u for u in us}


def _racking_to_oci(switches: Switches, notes: list[str]) -> dict[str, Any]:
    if switches.patterns:
        notes.append(
            f"{len(switches.patterns)} switch pattern(s): OCI looks switch names up exactly; "
            "not written"
        )
    hosts: dict[str, Any] = {}
    ports: dict[str, str] = {}
    port_rules = set()
    for name, entry in switches.table.items():
        out = {"dc": entry.dc, "row": entry.row, "rack": entry.rack}
        if entry.location is not None:
            out["location-name"] = entry.location
        if entry.aggregate is not None:
            out["compute-aggregate"] = entry.aggregate
        hosts[name] = out
        if entry.position is not None:
            port_rules.add(entry.position.port)
    for rule in sorted(port_rules):
        table = _ports_to_oci(rule)
        if table is None:
            notes.append(f"port pattern {rule!r}: not a list of ports; not written")
        else:
            ports.update(table)
    if len(port_rules) > 1:
        notes.append("switches have different port patterns; OCI has one port table for all")
    return {
        "productnames": {name: {"num-u": height} for name, height in switches.products.items()},
        "switchhostnames": hosts,
        "switchportnames": ports,
    }
