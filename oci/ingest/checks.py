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

import dataclasses
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from oci.ingest.facts import Facts

__all__ = ["Bounds", "FactsRejected", "check_facts", "shown"]


class FactsRejected(ValueError):
    """The report parsed, but holds what the inventory must not take."""


@dataclass(frozen=True)
class Bounds:
    # Large servers have 32-48 DIMM slots, a few dozen disks and NICs, a few
    # hundred PCI functions (with SR-IOV, more): these leave a wide margin.
    dimms: int = 4096
    disks: int = 1024
    nics: int = 1024
    pci_devices: int = 4096
    lldp: int = 1024
    ssh_host_keys: int = 64


# Labels of the Facts fields, as the operator reads them in a refusal.
_LISTS = {
    "dimms": ("DIMM", "DIMMs", "locator"),
    "disks": ("disk", "disks", "name"),
    "nics": ("NIC", "NICs", "name"),
    "pci_devices": ("PCI device", "PCI devices", "address"),
    "lldp": ("LLDP neighbour of", "LLDP neighbours", "interface"),
}


def _is_hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf")


def shown(text: str) -> str:
    """The text with control and format characters written as U+XXXX, safe to print."""
    return "".join(f"<U+{ord(c):04X}>" if _is_hidden(c) else c for c in text)


def _strings(facts: Facts) -> Iterator[tuple[str, str]]:
    """(label, value) of every name the report gives."""
    for owner, label in ((facts.system, "system"), (facts.cpu, "CPU"), (facts.bmc, "BMC")):
        yield from _fields(owner, label)
    for attribute, (singular, _, key) in _LISTS.items():
        if attribute == "pci_devices":
            continue  # named from the server's pci.ids, and by address only otherwise
        for item in getattr(facts, attribute):
            yield from _fields(item, f"{singular} {shown(getattr(item, key))}:")
    for number, line in enumerate(facts.ssh_host_keys, start=1):
        yield f"SSH host key {number}", line


def _fields(item: Any, label: str) -> Iterator[tuple[str, str]]:
    if item is None:
        return
    for field in dataclasses.fields(item):
        value = getattr(item, field.name)
        if isinstance(value, str):
            yield f"{label} {field.name.replace('_', ' ')}", value


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
    for label, value in _strings(facts):
        hidden = next((c for c in value if _is_hidden(c)), None)
        if hidden is not None:
            name = unicodedata.name(hidden, "a control character")
            raise FactsRejected(
                f"the report's {label} holds U+{ord(hidden):04X} ({name}), a control or "
                f"format character, in {shown(value)!r}: fix the firmware or tool output"
            )
