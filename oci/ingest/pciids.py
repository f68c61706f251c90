"""The PCI ID database (pci.ids): vendor, device, subsystem and class names.

The server's copy names devices that the discovered machine's older pci.ids
left as "Device [20b9]". Format (https://pci-ids.ucw.cz/):

    10de  NVIDIA Corporation
    <TAB>20b9  GA100 [A30X]
    <TAB><TAB>10de 1532  A30X
    C 03  Display controller
    <TAB>02  3D controller
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

__all__ = ["DEFAULT_PATHS", "PciIds", "load", "load_default", "parse_pci_ids"]

# Debian's `pci.ids` package, then Fedora/Arch's hwdata.
K = TypeVar("K")

DEFAULT_PATHS = (Path("/usr/share/misc/pci.ids"), Path("/usr/share/hwdata/pci.ids"))


@dataclass
class PciIds:
    vendors: dict[str, str] = field(default_factory=dict)
    devices: dict[tuple[str, str], str] = field(default_factory=dict)
    subsystems: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # "03"
    subclasses: dict[str, str] = field(default_factory=dict)  # "0302"

    def vendor_name(self, vendor_id: str) -> str | None:
        return self.vendors.get(vendor_id.lower())

    def device_name(self, vendor_id: str, device_id: str) -> str | None:
        return self.devices.get((vendor_id.lower(), device_id.lower()))

    def subsystem_name(
        self, vendor_id: str, device_id: str, sub_vendor_id: str, sub_device_id: str
    ) -> str | None:
        key = (vendor_id.lower(), device_id.lower(), sub_vendor_id.lower(), sub_device_id.lower())
        return self.subsystems.get(key)

    def class_name(self, class_id: str) -> str | None:
        """'0302' -> '3D controller' (the subclass), else the class ('03')."""
        class_id = class_id.lower()
        return self.subclasses.get(class_id[:4]) or self.classes.get(class_id[:2])

    # Names back to ids, for plain `lspci` output, which prints names only.
    # A name that several ids share gives None: a guess would be a wrong id.

    def vendor_id_of(self, name: str) -> str | None:
        return self._by_name[0].get(name)

    def device_id_of(self, vendor_id: str, name: str) -> str | None:
        return self._by_name[1].get((vendor_id, name))

    def class_id_of(self, name: str) -> str | None:
        """'Infiniband controller' -> '0207' (subclasses only: lspci prints those)."""
        return self._by_name[2].get(name)

    @functools.cached_property
    def _by_name(
        self,
    ) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
        return (
            _unique((name, vendor) for vendor, name in self.vendors.items()),
            _unique(((v, name), d) for (v, d), name in self.devices.items()),
            _unique((name, klass) for klass, name in self.subclasses.items()),
        )


def _unique(pairs: Iterable[tuple[K, str]]) -> dict[K, str]:
    """name -> id, without the names that more than one id carries."""
    found: dict[K, str] = {}
    shared: set[K] = set()
    for name, ident in pairs:
        if name in found and found[name] != ident:
            shared.add(name)
        found.setdefault(name, ident)
    return {name: ident for name, ident in found.items() if name not in shared}


def _split(line: str, width: int) -> tuple[str, str] | None:
    ident, name = line[:width], line[width:].strip()
    if len(ident) != width or not name or not all(c in "0123456789abcdefABCDEF" for c in ident):
        return None
    return ident.lower(), name


def parse_pci_ids(lines: Iterable[str]) -> PciIds:
    """Lines that do not fit the format are skipped: the file is data, not a contract."""
    ids = PciIds()
    vendor = device = klass = None
    in_classes = False
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("C "):
            in_classes, vendor, device = True, None, None
            parsed = _split(line[2:], 2)
            klass = parsed[0] if parsed else None
            if parsed:
                ids.classes[parsed[0]] = parsed[1]
        elif not line.startswith("\t"):
            in_classes, klass, device = False, None, None
            parsed = _split(line, 4)
            vendor = parsed[0] if parsed else None
            if parsed:
                ids.vendors[parsed[0]] = parsed[1]
        elif in_classes:
            # Sub-classes only; programming interfaces (two tabs) are not used.
            if klass and not line.startswith("\t\t") and (parsed := _split(line[1:], 2)):
                ids.subclasses[klass + parsed[0]] = parsed[1]
        elif line.startswith("\t\t"):
            parts = line[2:].split(None, 2)
            if vendor and device and len(parts) == 3 and len(parts[0]) == len(parts[1]) == 4:
                key = (vendor, device, parts[0].lower(), parts[1].lower())
                ids.subsystems[key] = parts[2].strip()
        elif vendor:
            parsed = _split(line[1:], 4)
            device = parsed[0] if parsed else None
            if parsed:
                ids.devices[(vendor, parsed[0])] = parsed[1]
    return ids


def load(path: Path) -> PciIds:
    # pci.ids is UTF-8 nowadays; older copies had a few Latin-1 names.
    with path.open(encoding="utf-8", errors="replace") as handle:
        return parse_pci_ids(handle)


@functools.cache
def load_default() -> PciIds | None:
    """The system's pci.ids, read once per process; None when none is installed."""
    for path in DEFAULT_PATHS:
        if path.is_file():
            return load(path)
    return None
