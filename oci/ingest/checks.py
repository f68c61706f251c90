"""What a parsed report may hold before it reaches the inventory (pure).

Two checks, both refusing the whole report with a sentence naming the field:

- bounds on how many components one report lists (`Bounds`): far above any
  real server, low enough that writing the worst accepted report stays cheap;
- names shown to operators (serials, products, switch names, keys) must not
  hold control or format characters (Unicode categories Cc and Cf): a BEL, an
  escape sequence or a right-to-left override would print verbatim in
  `ocicli` and the logs, and could make one machine look like another.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from oci.ingest.facts import Facts

__all__ = ["Bounds", "FactsRejected", "check_facts", "check_files", "shown"]


class FactsRejected(ValueError):
    """The report parsed, but holds what the inventory must not take."""


@dataclass(frozen=True)
class Bounds:
    # The largest single servers have a few hundred DIMM slots (HPE Superdome
    # Flex: 384), a few hundred disks behind JBODs (more paths with multipath),
    # a few dozen NICs and some hundreds of PCI functions (GPU servers with
    # NVSwitches): several times more than that, and low enough that the worst
    # accepted report is written in a fraction of a second (bench/report_bounds.py).
    dimms: int = 1024
    disks: int = 1024
    nics: int = 512
    pci_devices: int = 2048
    lldp: int = 512
    ssh_host_keys: int = 64
    # Every NVMe drive is a controller of its own: controllers are bounded
    # like disks, and so are the drives behind RAID controllers.
    controllers: int = 1024
    raid_drives: int = 1024


# Labels of the Facts fields, as the operator reads them in a refusal.
_LISTS = {
    "dimms": ("DIMM", "DIMMs", "locator"),
    "disks": ("disk", "disks", "name"),
    "nics": ("NIC", "NICs", "name"),
    "pci_devices": ("PCI device", "PCI devices", "address"),
    "lldp": ("LLDP neighbour of", "LLDP neighbours", "interface"),
    "controllers": ("storage controller", "storage controllers", "name"),
    "raid_drives": ("RAID drive", "RAID drives", "position"),
}


def _is_hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf")


def shown(text: str) -> str:
    """The text with control and format characters written as U+XXXX, safe to print."""
    return "".join(f"<U+{ord(c):04X}>" if _is_hidden(c) else c for c in text)


def _suspects(facts: Facts) -> Iterator[tuple[str, str]]:
    """(label, value) of the names the report gives that are not all printable.

    str.isprintable() is False for every Cc and Cf character (and for a few
    harmless ones, which the exact check lets through): a fast first pass.
    """
    for owner, label in ((facts.system, "system"), (facts.cpu, "CPU"), (facts.bmc, "BMC")):
        for field, value in _unprintable(owner):
            yield f"{label} {field}", value
    for attribute, (singular, _, key) in _LISTS.items():
        if attribute == "pci_devices":
            continue  # named from the server's pci.ids, and by address only otherwise
        for item in getattr(facts, attribute):
            for field, value in _unprintable(item):
                yield f"{singular} {shown(getattr(item, key))}: {field}", value
    for number, line in enumerate(facts.ssh_host_keys, start=1):
        if not line.isprintable():
            yield f"SSH host key {number}", line


# What the inventory's columns hold on every backend: sizes in bytes are 64-bit,
# every other number 32-bit. A parser that lets a larger number through would
# otherwise fail at the write (SQLite OverflowError, out of range elsewhere): a 500.
_LARGEST_BYTES = 2**63 - 1
_LARGEST = 2**31 - 1


def _oversized(facts: Facts) -> Iterator[tuple[str, int, int]]:
    """(label, value, largest) of each number beyond what its column holds."""
    owners: list[tuple[str, Any]] = [("system", facts.system), ("CPU", facts.cpu)]
    owners.append(("BMC", facts.bmc))
    for attribute, (singular, _, key) in _LISTS.items():
        owners += [
            (f"{singular} {shown(str(getattr(i, key)))}", i) for i in getattr(facts, attribute)
        ]
    for label, item in owners:
        if item is None:
            continue
        for name, value in vars(item).items():
            if isinstance(value, int) and not isinstance(value, bool):
                largest = _LARGEST_BYTES if name.endswith("bytes") else _LARGEST
                if not -largest - 1 <= value <= largest:
                    yield f"{label} {name.replace('_', ' ')}", value, largest


def _unprintable(item: Any) -> Iterator[tuple[str, str]]:
    if item is None:
        return
    for name, value in vars(item).items():
        if isinstance(value, str) and not value.isprintable():
            yield name.replace("_", " "), value


# Cheap counts in the raw files, before parsing: a report that cannot pass the
# bounds is refused before its parse costs seconds. Generous on purpose (the
# exact counts are checked after parsing): empty slots, loopback, partitions.
_RAW_COUNTS = {
    "dmidecode.txt": ("\nMemory Device", "dimms", 2),
    "lspci-nnmm.txt": ("\n", "pci_devices", 1),
    "lspci.txt": ("\n", "pci_devices", 2),
    "lspci-vmmnnk.txt": ("Slot:", "pci_devices", 1),
    "lsblk.json": ('"name"', "disks", 16),
    "nvme-list.json": ('"DevicePath"', "disks", 1),
    "ip-link.json": ('"ifname"', "nics", 2),
    "lldpctl.json": ('"port"', "lldp", 2),
    "lldpctl.txt": (".port.", "lldp", 16),
    "storcli.json": ('"EID:Slt"', "raid_drives", 1),
    "megacli-pdlist.txt": ("Slot Number:", "raid_drives", 1),
}


def check_files(files: Mapping[str, str], bounds: Bounds | None = None) -> None:
    """FactsRejected when a raw file obviously lists more than the bounds allow."""
    bounds = bounds or Bounds()
    for name, (needle, attribute, slack) in _RAW_COUNTS.items():
        limit = getattr(bounds, attribute)
        count = files[name].count(needle) if name in files else 0
        if count > limit * slack + 1:
            plural = _LISTS[attribute][1]
            raise FactsRejected(
                f"{name} lists about {count} {plural}; at most {limit} are accepted"
            )


def check_facts(facts: Facts, bounds: Bounds | None = None) -> None:
    """FactsRejected when the report lists too much, or names hold hidden characters."""
    bounds = bounds or Bounds()
    for attribute, (_, plural, _) in _LISTS.items():
        count, limit = len(getattr(facts, attribute)), getattr(bounds, attribute)
        if count > limit:
            raise FactsRejected(f"the report lists {count} {plural}; at most {limit} are accepted")
    if len(facts.ssh_host_keys) > bounds.ssh_host_keys:
        raise FactsRejected(
            f"the report lists {len(facts.ssh_host_keys)} SSH host keys; "
            f"at most {bounds.ssh_host_keys} are accepted"
        )
    for label, number, largest in _oversized(facts):
        raise FactsRejected(
            f"the report's {label} is {str(number)[:40]}, beyond {largest}: "
            "no hardware has that; fix the firmware or tool output"
        )
    for label, value in _suspects(facts):
        hidden = next((c for c in value if _is_hidden(c)), None)
        if hidden is not None:
            name = unicodedata.name(hidden, "a control character")
            raise FactsRejected(
                f"the report's {label} holds U+{ord(hidden):04X} ({name}), a control or "
                f"format character, in {shown(value)!r}: fix the firmware or tool output"
            )
