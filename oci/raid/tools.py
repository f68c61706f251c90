"""The vendor RAID tools: argv lists that read, reset and build a controller, and
parsers of what they print (pure). Controller 0 as OCI does (megacli -a0).

- storcli / perccli (Broadcom MegaRAID, Dell PERC: one syntax): ``/c0 show J``
  lists the controller's "PD LIST" and "VD LIST" as JSON; volumes are built with
  ``/c0 add vd type=raidN drives=E:S,E:S [pdperarray=2] wb ra direct``, JBODs
  with ``/c0/eE/sS set jbod``; reset is ``/c0/fall delete`` (foreign
  configurations), ``/c0/vall delete force``, then ``set good force`` per drive.
  Sizes: storcli writes binary units ("446.625 GB" is GiB; newer ones say GiB).
- megacli (OCI's own tool): ``-PDList -a0`` and ``-LdPdInfo -a0`` as text;
  ``-CfgLdAdd -rN [E:S,E:S] WB RA Direct -a0``, ``-CfgSpanAdd -r10 -Array0[..]
  -Array1[..]`` for RAID 10, ``-PDMakeJBOD``; reset ``-CfgForeign -Clear``,
  ``-CfgLdDel -LALL``, ``-CfgClr -Force``, ``-PDMakeGood -Force`` per drive.
- ssacli (HPE Smart Array): ``ctrl all show config`` as text;
  ``ctrl slot=N create type=ld drives=P:B:B,... raid=1+0``; reset
  ``ctrl slot=N delete forced``. Smart Array has no per-drive JBOD and sets
  caching per controller: a JBOD entry is refused, cache words are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from oci.raid.plan import GIB, Drive, Inventory, Level, Plan, RaidError, SeenVolume, Volume

__all__ = ["BINARIES", "FAMILIES", "Family", "family"]

Argv = tuple[str, ...]
_UNITS = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": GIB, "TB": 2**40, "PB": 2**50}
_DECIMAL = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}


def _size(text: str, binary: bool) -> int:
    """ "446.625 GB" -> bytes; "GiB" is always binary, "GB" as the tool means it."""
    match = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]?)(i?)B\b", text, re.IGNORECASE)
    if match is None:
        raise RaidError(f"cannot read the size {text!r}")
    number, prefix, i = match.groups()
    unit = f"{prefix.upper()}B"
    scale = _UNITS[unit] if binary or i else _DECIMAL[unit]
    return int(float(number) * scale)


def _media(text: str) -> str | None:
    lowered = text.lower()
    if "ssd" in lowered or "solid state" in lowered:
        return "ssd"
    if "hdd" in lowered or "hard disk" in lowered:
        return "hdd"
    return None


# --- storcli / perccli --------------------------------------------------------------------

_STORCLI_LEVELS: dict[str, Level] = {
    "RAID0": "0",
    "RAID1": "1",
    "RAID5": "5",
    "RAID6": "6",
    "RAID10": "10",
}
_STORCLI_CACHE = {
    "WB": "wb",
    "WT": "wt",
    "RA": "ra",
    "NORA": "nora",
    "ADRA": "ra",  # storcli has no adaptive read-ahead: read-ahead
    "Direct": "direct",
    "Cached": "cached",
}


def _storcli_read(binary: str) -> list[Argv]:
    return [(binary, "/c0", "show", "J")]


def _storcli_response(text: str) -> dict[str, Any]:
    start = text.find("{")
    try:
        document: Any = json.loads(text[start:]) if start >= 0 else None
        controller = document["Controllers"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        raise RaidError("the storcli answer is not its JSON (/c0 show J)") from None
    status = controller.get("Command Status", {})
    if status.get("Status") != "Success":
        said = status.get("Description") or status.get("Detailed Status") or "no description"
        raise RaidError(f"storcli says: {said}")
    data = controller.get("Response Data")
    if not isinstance(data, dict):
        raise RaidError("the storcli answer has no Response Data")
    return data


def _storcli_parse(outputs: Sequence[str]) -> Inventory:
    data = _storcli_response(outputs[0])
    drives = []
    for row in data.get("PD LIST") or []:
        address = str(row.get("EID:Slt", "")).strip()
        group = str(row.get("DG", "-")).strip()
        drives.append(
            Drive(
                address=address,
                size_bytes=_size(str(row.get("Size", "")), binary=True),
                media=_media(str(row.get("Med", ""))),
                state=str(row.get("State", "")).strip(),
                group=None if group in ("-", "") else group,
            )
        )
    volumes = []
    for row in data.get("VD LIST") or []:
        name = str(row.get("DG/VD", "")).strip()
        kind = str(row.get("TYPE", "")).strip().upper()
        level = _STORCLI_LEVELS.get(kind)
        if level is None:
            raise RaidError(f"storcli volume {name}: RAID type {kind!r} is not one oci builds")
        group = name.partition("/")[0]
        members = tuple(d.address for d in drives if d.group == group)
        volumes.append(SeenVolume(name, level, members))
    return Inventory("0", tuple(drives), tuple(volumes), data.get("Product Name"))


def _enclosure_slot(address: str) -> tuple[str, str]:
    enclosure, sep, slot = address.partition(":")
    if not sep or not slot.strip().isdigit():
        raise RaidError(f"drive {address!r} is not ENCLOSURE:SLOT")
    return enclosure.strip(), slot.strip()


def _storcli_drive_path(address: str) -> str:
    enclosure, slot = _enclosure_slot(address)
    return f"/c0/e{enclosure}/s{slot}" if enclosure else f"/c0/s{slot}"


def _storcli_reset(binary: str, inventory: Inventory) -> list[Argv]:
    argv: list[Argv] = [
        (binary, "/c0/fall", "delete"),
        (binary, "/c0/vall", "delete", "force"),
    ]
    for drive in inventory.drives:
        argv.append((binary, _storcli_drive_path(drive.address), "set", "good", "force"))
    return argv


def _storcli_build(binary: str, inventory: Inventory, plan: Plan) -> list[Argv]:
    argv: list[Argv] = []
    for volume in plan.volumes:
        if volume.spec.level == "jbod":
            argv += [(binary, _storcli_drive_path(d.address), "set", "jbod") for d in volume.drives]
            continue
        words = [
            binary,
            "/c0",
            "add",
            "vd",
            f"type=raid{volume.spec.level}",
            "drives=" + ",".join(d.address for d in volume.drives),
        ]
        if volume.spec.level == "10":
            words.append("pdperarray=2")  # mirrored pairs, as megacli's -Array0[a,b]
        words += [_STORCLI_CACHE[w] for w in volume.spec.cache]
        argv.append(tuple(words))
    return argv


# --- megacli ------------------------------------------------------------------------------


def _megacli_read(binary: str) -> list[Argv]:
    return [
        # Controller 0, as the reset and the build (-a0): with -aALL a second
        # controller's drives would be planned on the first.
        (binary, "-PDList", "-a0", "-NoLog"),
        (binary, "-LdPdInfo", "-a0", "-NoLog"),
    ]


def _fields(block: str) -> list[tuple[str, str]]:
    out = []
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out.append((key.strip(), value.strip()))
    return out


def _megacli_drive(block: str) -> Drive | None:
    values: dict[str, str] = {}
    for key, value in _fields(block):
        values.setdefault(key, value)
    if "Slot Number" not in values:
        return None
    enclosure = values.get("Enclosure Device ID", "")
    enclosure = "" if enclosure.upper() == "N/A" else enclosure
    raw = values.get("Raw Size", "")
    sectors = re.search(r"\[0x([0-9a-fA-F]+) Sectors\]", raw)
    size = int(sectors.group(1), 16) * 512 if sectors else _size(raw, binary=True)
    position = values.get("Drive's position", "")
    group = re.search(r"DiskGroup:\s*(\d+)", position)
    return Drive(
        address=f"{enclosure}:{values['Slot Number']}",
        size_bytes=size,
        media=_media(values.get("Media Type", "")),
        state=values.get("Firmware state", "").split(",")[0].strip(),
        group=group.group(1) if group else None,
    )


def _megacli_level(raid: str, span_depth: str, name: str) -> Level:
    primary = re.search(r"Primary-(\d+)", raid)
    level = primary.group(1) if primary else ""
    spanned = span_depth.strip() not in ("", "1")
    if level == "1" and spanned:
        return "10"
    if spanned:  # RAID 50, 60: spans of parity groups
        raise RaidError(f"megacli volume {name}: RAID {level}0 is not one oci builds")
    if level in ("0", "1", "5", "6"):
        return level  # type: ignore[return-value]
    raise RaidError(f"megacli volume {name}: RAID level {raid!r} is not one oci builds")


def _megacli_parse(outputs: Sequence[str]) -> Inventory:
    pd_list, ld_pd = outputs
    drives = []
    for block in re.split(r"\n(?=Enclosure Device ID:)", pd_list):
        drive = _megacli_drive(block)
        if drive is not None:
            drives.append(drive)
    volumes = []
    for block in re.split(r"\n(?=Virtual Drive:)", ld_pd):
        head = re.match(r"\s*Virtual Drive:\s*(\d+)", block)
        if head is None:
            continue
        values = dict(_fields(block.split("PD:")[0]))
        level = _megacli_level(
            values.get("RAID Level", ""), values.get("Span Depth", ""), head.group(1)
        )
        members = []
        for pd in re.split(r"\n(?=Enclosure Device ID:)", block)[1:]:
            drive = _megacli_drive(pd)
            if drive is not None:
                members.append(drive.address)
        volumes.append(SeenVolume(head.group(1), level, tuple(members)))
    return Inventory("0", tuple(drives), tuple(volumes))


def _physdrv(drives: Sequence[Drive]) -> str:
    return "[" + ",".join(d.address for d in drives) + "]"


def _megacli_reset(binary: str, inventory: Inventory) -> list[Argv]:
    argv: list[Argv] = [
        (binary, "-CfgForeign", "-Clear", "-a0", "-NoLog"),
        (binary, "-CfgLdDel", "-LALL", "-Force", "-a0", "-NoLog"),
        (binary, "-CfgClr", "-Force", "-a0", "-NoLog"),
    ]
    for drive in inventory.drives:
        argv.append(
            (binary, "-PDMakeGood", f"-PhysDrv{_physdrv([drive])}", "-Force", "-a0", "-NoLog")
        )
    return argv


def _megacli_build(binary: str, inventory: Inventory, plan: Plan) -> list[Argv]:
    argv: list[Argv] = []
    for volume in plan.volumes:
        level, drives, cache = volume.spec.level, volume.drives, volume.spec.cache
        if level == "jbod":
            argv.append((binary, "-PDMakeJBOD", f"-PhysDrv{_physdrv(drives)}", "-a0", "-NoLog"))
        elif level == "10":
            pairs = [drives[i : i + 2] for i in range(0, len(drives), 2)]
            arrays = [f"-Array{n}{_physdrv(pair)}" for n, pair in enumerate(pairs)]
            argv.append((binary, "-CfgSpanAdd", "-r10", *arrays, *cache, "-a0", "-NoLog"))
        else:
            argv.append(
                (binary, "-CfgLdAdd", f"-r{level}", _physdrv(drives), *cache, "-a0", "-NoLog")
            )
    return argv


# --- ssacli -------------------------------------------------------------------------------

_SSACLI_DRIVE = re.compile(
    r"^\s*physicaldrive\s+(\S+)\s+\((?:[^,]*,)\s*([^,]+),\s*([0-9.]+\s*[KMGT]?B),\s*([^)]*)\)"
)
_SSACLI_VOLUME = re.compile(r"^\s*logicaldrive\s+(\d+)\s+\(([^,]+),\s*RAID\s+([0-9+]+)")
_SSACLI_LEVELS: dict[str, Level] = {"0": "0", "1": "1", "1+0": "10", "5": "5", "6": "6"}


def _ssacli_read(binary: str) -> list[Argv]:
    return [(binary, "ctrl", "all", "show", "config")]


def _ssacli_parse(outputs: Sequence[str]) -> Inventory:
    slot = None
    group: str | None = None
    drives: list[Drive] = []
    volumes: list[tuple[str, Level, str]] = []
    for line in outputs[0].splitlines():
        found = re.search(r"\bin Slot (\d+)", line)
        if found and slot is None:
            slot = found.group(1)
            continue
        if slot is not None and re.search(r"\bin Slot \d+", line):
            break  # controller 0 only, as for the other tools
        array = re.match(r"^\s*Array\s+(\w+)", line)
        if array:
            group = array.group(1)
            continue
        if re.match(r"^\s*Unassigned\b", line):
            group = None
            continue
        volume = _SSACLI_VOLUME.match(line)
        if volume and group is not None:
            level = _SSACLI_LEVELS.get(volume.group(3))
            if level is None:
                raise RaidError(f"ssacli logical drive {volume.group(1)}: RAID {volume.group(3)}")
            volumes.append((volume.group(1), level, group))
            continue
        drive = _SSACLI_DRIVE.match(line)
        if drive:
            drives.append(
                Drive(
                    address=drive.group(1),
                    size_bytes=_size(drive.group(3), binary=False),  # HPE: decimal units
                    media=_media(drive.group(2)),
                    # An OK drive's place; otherwise its status (Failed, "OK, spare"...).
                    state=(
                        ("member" if group is not None else "unassigned")
                        if drive.group(4).strip() == "OK"
                        else drive.group(4).strip()
                    ),
                    group=group,
                )
            )
    if slot is None:
        raise RaidError("ssacli shows no Smart Array controller (no 'in Slot N')")
    seen = tuple(
        SeenVolume(name, level, tuple(d.address for d in drives if d.group == group))
        for name, level, group in volumes
    )
    return Inventory(f"slot={slot}", tuple(drives), seen)


def _ssacli_reset(binary: str, inventory: Inventory) -> list[Argv]:
    return [(binary, "ctrl", inventory.controller, "delete", "forced")]


def _ssacli_build(binary: str, inventory: Inventory, plan: Plan) -> list[Argv]:
    argv: list[Argv] = []
    for volume in plan.volumes:
        level = volume.spec.level
        if level == "jbod":
            raise RaidError(
                f"{volume.spec.name}: Smart Array controllers have no per-drive JBOD "
                "(HBA mode is controller-wide and needs a reboot): not built by oci"
            )
        raid = "1+0" if level == "10" else level
        drives = ",".join(d.address for d in volume.drives)
        argv.append(
            (binary, "ctrl", inventory.controller, "create", "type=ld", f"drives={drives}",
             f"raid={raid}", "forced")
        )  # fmt: skip
    return argv


# --- the families ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """One tool family: what to run to read, reset and build, and how to read its answer."""

    name: str
    read: Callable[[str], list[Argv]]
    parse: Callable[[Sequence[str]], Inventory]
    reset: Callable[[str, Inventory], list[Argv]]
    build_argv: Callable[[str, Inventory, Plan], list[Argv]]
    cache_applies: bool = True

    def build(self, binary: str, inventory: Inventory, plan: Plan) -> list[Argv]:
        return self.build_argv(binary, inventory, plan)

    def ignored_cache(self, volumes: Sequence[Volume]) -> list[str]:
        """The cache words this tool cannot set, to tell the operator."""
        if self.cache_applies:
            return []
        return [f"{v.spec.name}: cache {' '.join(v.spec.cache)}" for v in volumes if v.spec.cache]


_STORCLI = Family("storcli", _storcli_read, _storcli_parse, _storcli_reset, _storcli_build)
FAMILIES: dict[str, Family] = {
    "storcli": _STORCLI,
    "perccli": Family("perccli", _storcli_read, _storcli_parse, _storcli_reset, _storcli_build),
    "megacli": Family("megacli", _megacli_read, _megacli_parse, _megacli_reset, _megacli_build),
    "ssacli": Family(
        "ssacli", _ssacli_read, _ssacli_parse, _ssacli_reset, _ssacli_build, cache_applies=False
    ),
}
# The program names each family's tool is installed as, tried in order.
BINARIES: dict[str, tuple[str, ...]] = {
    "storcli": ("storcli64", "storcli"),
    "perccli": ("perccli64", "perccli"),
    "megacli": ("megacli", "MegaCli64", "MegaCli"),
    "ssacli": ("ssacli",),
}


def family(name: str) -> Family:
    return FAMILIES[name]
