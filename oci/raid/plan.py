"""RAID layouts as typed specs, and the drives a controller reports assigned to them (pure).

OCI (inc/hardware_profile.php) reads a profile's ``hdd.layout`` so: each entry,
in order, takes the controller's drives whose size floored to GiB is within
``size_min``..``size_max``, at most ``num_max`` of them, and builds one volume
of ``raid-type`` (0, 1, 10 or JBOD) with the megacli cache ``options``
("WB RA Direct"). Here the same, stricter: an entry that finds fewer than
``num_min`` drives, or a count its RAID level cannot take, is an error that
names it, before anything runs; a RAID 1 takes two drives (a pair: more
would be a RAID 10). ``software-raid: "yes"`` leaves the drives to
the operating system's md RAID: they become JBOD (OCI would build a hardware
volume under the md RAID its installer then cannot build).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from oci.matching.units import parse_size_range

__all__ = [
    "CACHE_WORDS",
    "GIB",
    "Check",
    "Drive",
    "Inventory",
    "Plan",
    "RaidError",
    "SeenVolume",
    "Volume",
    "VolumeSpec",
    "assign",
    "check",
    "describe",
    "oci_hdd_notes",
    "specs_from_definition",
    "specs_from_oci",
]

GIB = 2**30
Level = Literal["jbod", "0", "1", "5", "6", "10"]
LEVELS: tuple[Level, ...] = ("jbod", "0", "1", "5", "6", "10")
# Cache policy words of OCI's "options" (megacli's spelling), by what they set.
CACHE_WORDS = {
    "WB": "write",
    "WT": "write",
    "RA": "read",
    "NORA": "read",
    "ADRA": "read",
    "Direct": "io",
    "Cached": "io",
}


class RaidError(ValueError):
    """A layout that cannot be built: the message names the entry and why."""


@dataclass(frozen=True)
class VolumeSpec:
    """One volume a profile asks for."""

    name: str  # where it comes from: "hdd.layout.1", "apply.raid"
    level: Level
    num_min: int
    num_max: int
    size_min_gib: float | None
    size_max_gib: float | None
    floor_gib: bool = True  # OCI compares the size floored to whole GiB
    media: str | None = None  # "hdd" or "ssd": only drives of that kind
    cache: tuple[str, ...] = ()  # CACHE_WORDS, in OCI's order

    def fits(self, drive: Drive) -> bool:
        size = drive.size_bytes // GIB if self.floor_gib else drive.size_bytes / GIB
        if self.size_min_gib is not None and size < self.size_min_gib:
            return False
        if self.size_max_gib is not None and size > self.size_max_gib:
            return False
        return self.media is None or drive.media is None or drive.media == self.media


@dataclass(frozen=True)
class Drive:
    """A physical drive behind the controller, as its tool names it."""

    address: str  # the tool's: "252:3" (storcli, megacli), "1I:1:3" (ssacli)
    size_bytes: int
    media: str | None = None  # "hdd", "ssd"
    state: str = ""  # the tool's word: UGood, Onln, JBOD, Unconfigured(good)...
    group: str | None = None  # the drive group / array it belongs to, if any


@dataclass(frozen=True)
class SeenVolume:
    """A volume the controller has now."""

    name: str  # "0/0" (storcli DG/VD), "0" (megacli), "1" (ssacli)
    level: Level
    drives: tuple[str, ...]  # addresses


@dataclass(frozen=True)
class Inventory:
    """What one controller reported: its drives, its volumes."""

    controller: str  # "0" (storcli /c0, megacli -a0), "slot=0" (ssacli)
    drives: tuple[Drive, ...]
    volumes: tuple[SeenVolume, ...] = ()
    model: str | None = None


@dataclass(frozen=True)
class Volume:
    spec: VolumeSpec
    drives: tuple[Drive, ...]


@dataclass(frozen=True)
class Plan:
    volumes: tuple[Volume, ...]
    unused: tuple[Drive, ...] = ()


@dataclass(frozen=True)
class Check:
    applied: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)


# --- specs from a profile -----------------------------------------------------------------


def _number(value: Any, where: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RaidError(f"{where}: {value!r} is not a number") from None


def _cache(options: Any, where: str) -> tuple[str, ...]:
    if options is None or options == "":
        return ()
    if not isinstance(options, str):
        raise RaidError(f"{where}.options: a string of words such as 'WB RA Direct'")
    words = tuple(options.split())
    by_lower = {w.lower(): w for w in CACHE_WORDS}
    known = []
    for word in words:
        if word.lower() not in by_lower:
            raise RaidError(
                f"{where}.options: {word!r} is not a cache policy ({', '.join(CACHE_WORDS)})"
            )
        known.append(by_lower[word.lower()])
    kinds = [CACHE_WORDS[w] for w in known]
    twice = sorted({k for k in kinds if kinds.count(k) > 1})
    if twice:
        raise RaidError(f"{where}.options: two {' and '.join(twice)} policies")
    return tuple(known)


def specs_from_oci(hdd: Mapping[str, Any], where: str = "hdd") -> list[VolumeSpec]:
    """OCI's ``hdd`` object (controller megacli) -> the volumes to build, in order."""
    if hdd.get("controller") != "megacli":
        return []  # OCI builds nothing on a machine without a RAID controller
    layout = hdd.get("layout")
    items = (
        sorted(layout.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else 0)
        if isinstance(layout, dict)
        else list(enumerate(layout or []))
    )
    specs = []
    for key, item in items:
        at = f"{where}.layout.{key}"
        if not isinstance(item, dict):
            raise RaidError(f"{at}: an object with raid-type, size_min, size_max, num_min")
        raw = str(item.get("raid-type", "")).strip().lower()
        level: Level = "jbod" if item.get("software-raid") == "yes" else _level(raw, at)
        low = _number(item.get("size_min"), f"{at}.size_min")
        high = _number(item.get("size_max"), f"{at}.size_max")
        num_min = _number(item.get("num_min"), f"{at}.num_min")
        num_max = _number(item.get("num_max"), f"{at}.num_max")
        if num_min is None or num_min < 1:
            raise RaidError(f"{at}.num_min: at least 1 drive")
        if num_max is None:
            num_max = num_min
        if num_max < num_min:
            raise RaidError(f"{at}: num_max {num_max:g} is below num_min {num_min:g}")
        specs.append(
            VolumeSpec(
                name=at,
                level=level,
                num_min=int(num_min),
                num_max=int(num_max),
                size_min_gib=low,
                size_max_gib=high,
                cache=_cache(item.get("options"), at),
            )
        )
    return specs


def _level(raw: str, where: str) -> Level:
    for level in LEVELS:
        if raw == level:
            return level
    raise RaidError(f"{where}.raid-type: {raw!r} is not one of 0, 1, 5, 6, 10, JBOD")


def specs_from_definition(definition: Mapping[str, Any], name: str) -> list[VolumeSpec]:
    """A stored profile (oci.matching's shape) -> its hardware RAID volumes:
    OCI's ``hdd`` kept under ``oci``, else our ``apply.raid`` of type hardware."""
    kept = definition.get("oci")
    if isinstance(kept, dict) and isinstance(kept.get("hdd"), dict):
        return specs_from_oci(kept["hdd"], f"profile {name}: hdd")
    raid = (definition.get("apply") or {}).get("raid")
    if not isinstance(raid, dict) or raid.get("type") != "hardware":
        return []
    disks = raid.get("disks") or {}
    count = int(disks.get("count", 0))
    low = high = None
    if disks.get("size"):
        size = parse_size_range(str(disks["size"]))
        low = size.low / GIB if size.low is not None else None
        high = size.high / GIB if size.high is not None else None
    kind = disks.get("kind")
    return [
        VolumeSpec(
            name=f"profile {name}: apply.raid",
            level=_level(str(raid.get("level")), f"profile {name}: apply.raid.level"),
            num_min=count,
            num_max=count,
            size_min_gib=low,
            size_max_gib=high,
            floor_gib=False,
            media=kind if kind in ("hdd", "ssd") else None,
        )
    ]


# --- drives to volumes --------------------------------------------------------------------


def _usable_count(level: Level, count: int) -> int:
    """The most drives of `count` that `level` can take (pairs for 1 and 10)."""
    if level == "10":
        return count - count % 2
    return count


def _minimum(level: Level) -> int:
    return {"jbod": 1, "0": 1, "1": 2, "5": 3, "6": 4, "10": 4}[level]


# Drive states a volume may take, lowercased, as each tool says them: storcli/perccli
# (UGood, Onln, JBOD; not UBad, Offln, Failed, GHS/DHS hot spares, Rbld, Cpybck,
# Msng, UGUnsp/UBUnsp, UGShld...), megacli's Firmware state (Unconfigured(good),
# Online, JBOD; not Unconfigured(bad), Failed, Offline, Hotspare, Rebuild,
# Copyback), ssacli (member/unassigned for an OK drive; otherwise its status:
# Failed, Predictive Failure, "OK, spare"). An online drive is a member of a
# volume the reset deletes; empty is a tool that did not say.
USABLE_STATES = frozenset(
    {"ugood", "onln", "jbod", "unconfigured(good)", "online", "member", "unassigned", ""}
)


def usable(drive: Drive) -> bool:
    """Whether a volume may take `drive` (not failed, bad, a hot spare, rebuilding...)."""
    return drive.state.strip().lower() in USABLE_STATES


def assign(specs: Iterable[VolumeSpec], drives: Iterable[Drive]) -> Plan:
    """Each spec in order takes the free usable drives that fit it (by address
    order), up to num_max; too few for num_min or for its level is a `RaidError`,
    which names the drives left out for their state. Nothing has run yet: the
    reset and the build come after."""
    ordered = sorted(drives, key=lambda d: _address_key(d.address))
    free = [d for d in ordered if usable(d)]
    unusable = [d for d in ordered if not usable(d)]
    volumes = []
    for spec in specs:
        fitting = [d for d in free if spec.fits(d)]
        taken = fitting[: spec.num_max]
        if spec.level == "1":
            taken = taken[:2]  # a mirror is a pair; more drives would be RAID 10
        taken = taken[: _usable_count(spec.level, len(taken))]
        need = max(spec.num_min, _minimum(spec.level))
        if len(taken) < need:
            sizes = _size_words(spec)
            bad = [d for d in unusable if spec.fits(d)]
            left_out = (
                "; not used for their state: "
                + ", ".join(f"{d.address} ({d.state})" for d in bad)
                + " (replace them, or make them good)"
                if bad
                else ""
            )
            raise RaidError(
                f"{spec.name}: RAID {spec.level} needs {need} drive(s) {sizes}; "
                f"the controller has {len(fitting)} free that fit{left_out}"
            )
        volumes.append(Volume(spec, tuple(taken)))
        free = [d for d in free if d not in taken]
    return Plan(tuple(volumes), tuple(free))


def _size_words(spec: VolumeSpec) -> str:
    low = "" if spec.size_min_gib is None else f"{spec.size_min_gib:g}"
    high = "" if spec.size_max_gib is None else f"{spec.size_max_gib:g}"
    media = f" {spec.media}" if spec.media else ""
    return f"of{media} {low}..{high} GiB"


def _address_key(address: str) -> tuple[tuple[int, str], ...]:
    """Natural order: 252:2 before 252:10."""
    parts = address.replace(":", " ").split()
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in parts)


# --- what the controller has against what the profile asks -------------------------------


def check(specs: Iterable[VolumeSpec], inventory: Inventory) -> Check:
    """Whether the controller's volumes are the profile's (OCI: machine-check-megacli-
    applied): each spec has a volume of its level whose drives fit it, in number
    num_min..num_max (JBOD: that many JBOD drives); each volume serves one spec."""
    by_address = {d.address: d for d in inventory.drives}
    volumes = list(inventory.volumes)
    jbods = [d for d in inventory.drives if d.state.lower() == "jbod"]
    reasons = []
    for spec in specs:
        if spec.level == "jbod":
            fitting = [d for d in jbods if spec.fits(d)][: spec.num_max]
            if len(fitting) < spec.num_min:
                reasons.append(
                    f"{spec.name}: {len(fitting)} JBOD drive(s) {_size_words(spec)}, "
                    f"{spec.num_min} wanted"
                )
            jbods = [d for d in jbods if d not in fitting]
            continue
        for volume in volumes:
            members = [by_address.get(a) for a in volume.drives]
            if (
                volume.level == spec.level
                and spec.num_min <= len(members) <= spec.num_max
                and all(m is not None and spec.fits(m) for m in members)
            ):
                volumes.remove(volume)
                break
        else:
            reasons.append(
                f"{spec.name}: no RAID {spec.level} volume of {spec.num_min}..{spec.num_max} "
                f"drives {_size_words(spec)}"
            )
    for volume in volumes:
        reasons.append(f"volume {volume.name} (RAID {volume.level}) is not in the profile")
    return Check(not reasons, tuple(reasons))


# --- words for profile-import's notes (oci.matching.oci_format may use them) -------------


def describe(spec: VolumeSpec) -> str:
    """One volume in words: "RAID 10 of 2..8 drives of 750..1800 GiB (WT NORA Direct)"."""
    count = f"{spec.num_min}" if spec.num_min == spec.num_max else f"{spec.num_min}..{spec.num_max}"
    kind = "JBOD" if spec.level == "jbod" else f"RAID {spec.level}"
    cache = f" ({' '.join(spec.cache)})" if spec.cache else ""
    return f"{kind} of {count} drives {_size_words(spec)}{cache}"


def oci_hdd_notes(hdd: Mapping[str, Any], where: str) -> list[str]:
    """What profile-import can say of OCI's ``hdd`` now that oci builds its volumes:
    one note per volume (built by machine-megacli-apply), or why it cannot be."""
    try:
        specs = specs_from_oci(hdd, f"{where}: hdd")
    except RaidError as exc:
        return [f"{exc}: machine-megacli-apply will refuse this profile"]
    notes = [
        f"{spec.name}: {describe(spec)}, built on the controller by machine-megacli-apply"
        + (" (software-raid: left to the OS as JBOD)" if spec.level == "jbod" else "")
        for spec in specs
    ]
    if specs and hdd.get("hdd-num-exact-match") == "yes":
        notes.append(f"{where}: hdd.hdd-num-exact-match: that no other drive is present is "
                     "not checked by machine-check-megacli-applied")  # fmt: skip
    return notes
