"""Which values may identify a machine (pure).

Firmware often ships placeholders instead of a serial or UUID: every board of a
model then reports "To Be Filled By O.E.M." or an all-zero UUID. Matching on
such a value would merge different servers into one, so they count as absent.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from oci.ingest.facts import Facts

__all__ = ["Identity", "identity_of", "real_serial", "real_uuid", "universally_administered"]

PLACEHOLDER_SERIALS = frozenset(
    {
        "to be filled by o.e.m.",
        "to be filled by oem",
        "not specified",
        "not available",
        "not applicable",
        "default string",
        "system serial number",
        "chassis serial number",
        "serial number",
        "base board serial number",
        "0123456789",
        "123456789",
        "1234567890",
        "none",
        "null",
        "n/a",
        "na",
        "empty",
        "unknown",
        "invalid",
        "oem",
        "o.e.m.",
        "xxxxxxxxxx",
    }
)
# UUIDs that several vendors' firmware ship on every board.
PLACEHOLDER_UUIDS = frozenset(
    {
        "03000200-0400-0500-0006-000700080009",
        "00020003-0004-0005-0006-000700080009",
        "12345678-1234-5678-90ab-cddeefaabbcc",
    }
)
# A serial of one character, possibly repeated: a single one, a filler (zeros, x,
# dots, dashes...) of any length, or anything four times or more. "CC" is a real
# serial (OCI's README racks machines C1..CC); "0", "00", "A" and "AAAA" are not.
_ONE_CHARACTER = re.compile(r"^.$|^([0x9f.\-_*# ])\1*$|^(.)\2{3,}$")


def real_serial(value: str | None) -> str | None:
    """The serial, or None when it is a placeholder that many boards share."""
    if value is None:
        return None
    serial = value.strip()
    folded = serial.casefold()
    if not serial or folded in PLACEHOLDER_SERIALS or _ONE_CHARACTER.match(folded):
        return None
    if folded.startswith(("to be filled", "not specified", "default string")):
        return None
    return serial


def real_uuid(value: str | None) -> str | None:
    """The canonical lower-case UUID, or None for placeholders and garbage."""
    if not value:
        return None
    try:
        parsed = uuid.UUID(value.strip())
    except ValueError:
        return None
    text = str(parsed)
    if _ONE_CHARACTER.match(text.replace("-", "")) or text in PLACEHOLDER_UUIDS:
        return None
    return text


@dataclass(frozen=True)
class Identity:
    serial: str | None
    system_uuid: str | None
    macs: frozenset[str]  # physical, universally administered

    @property
    def empty(self) -> bool:
        return self.serial is None and self.system_uuid is None and not self.macs

    def describe(self) -> str:
        parts = []
        if self.serial:
            parts.append(f"serial {self.serial}")
        if self.system_uuid:
            parts.append(f"UUID {self.system_uuid}")
        if self.macs:
            parts.append("MACs " + ", ".join(sorted(self.macs)))
        return "; ".join(parts) or "nothing"


def universally_administered(mac: str) -> bool:
    """Burnt in by a maker under its OUI, not made up (bit 0x02 of the first octet)."""
    return not int(mac[:2], 16) & 0x02


def identity_of(facts: Facts) -> Identity:
    return Identity(
        serial=real_serial(facts.system.serial),
        system_uuid=real_uuid(facts.system.system_uuid),
        macs=frozenset(
            nic.mac for nic in facts.nics if nic.physical and universally_administered(nic.mac)
        ),
    )
