"""Small normalisers shared by the parsers: MACs, UUIDs, PCI ids, sizes.

Each returns None for a value it cannot read rather than raising: a tool
printing "Not Specified" or "--" in a field is normal, not a broken report.
"""

from __future__ import annotations

import re
import uuid

import netaddr

__all__ = [
    "MAX_BYTES",
    "MAX_COUNT",
    "MAX_MBPS",
    "MAX_MHZ",
    "MAX_MIB",
    "ParseError",
    "hex4",
    "normalise_mac",
    "normalise_pci_address",
    "normalise_uuid",
    "parse_int",
    "parse_size",
]


# The largest value each kind of number may take, far above any real server and
# within its column on every backend: clocks, CPU counts and link speeds are
# 32-bit Integer columns (PostgreSQL and MariaDB refuse 2**31), sizes in bytes
# are BigInteger (signed 64 bits: SQLite's driver raises OverflowError beyond).
MAX_MHZ = 10**6
MAX_COUNT = 2**16  # sockets, cores, threads
MAX_MBPS = 10**7  # 10 Tb/s
MAX_BYTES = 2**63 - 1
MAX_MIB = MAX_BYTES // 2**20  # 2**43 - 1: in bytes, still within MAX_BYTES


class ParseError(ValueError):
    """The whole input is unreadable; the message says why, without the file name
    (report.py prefixes it)."""


def normalise_mac(value: object) -> str | None:
    """'AA-BB-CC-DD-EE-FF' and friends -> 'aa:bb:cc:dd:ee:ff'; None if not a 48-bit MAC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        eui = netaddr.EUI(value.strip())
    except (netaddr.AddrFormatError, TypeError, ValueError):
        return None
    if eui.version != 48:
        return None
    return str(eui.format(netaddr.mac_unix_expanded))


def normalise_uuid(value: str | None) -> str | None:
    """SMBIOS UUID -> lower-case 8-4-4-4-12; None for masked or placeholder values."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


_HEX4 = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4})$")


def hex4(value: str | None) -> str | None:
    """'10DE', '0x10de', '10de' -> '10de'."""
    if not value:
        return None
    match = _HEX4.match(value.strip())
    return match.group(1).lower().zfill(4) if match else None


# nvidia-smi writes 8-hex-digit domains ("00000000:3B:00.0"); lspci without -D omits it.
_PCI_ADDRESS = re.compile(
    r"^(?:(?P<domain>[0-9a-fA-F]{4,8}):)?(?P<bus>[0-9a-fA-F]{2}):(?P<dev>[0-9a-fA-F]{2})"
    r"\.(?P<fn>[0-7])$"
)


def normalise_pci_address(value: str | None) -> str | None:
    """Any PCI address spelling -> '0000:3b:00.0'; None if it is not one (usb-..., virtio2)."""
    if not value:
        return None
    match = _PCI_ADDRESS.match(value.strip())
    if match is None:
        return None
    domain = int(match["domain"] or "0", 16)
    return f"{domain:04x}:{match['bus'].lower()}:{match['dev'].lower()}.{match['fn']}"


def parse_int(value: object) -> int | None:
    """JSON ints, or strings of ASCII digits (old lsblk prints numbers as strings).

    Not str.isdigit(): it takes "²", which int() refuses, and other scripts'
    digits, which int() reads as ASCII ones; no tool prints either for a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


_UNITS = {
    "b": 1,
    "bytes": 1,
    "kb": 1024,
    "kib": 1024,
    "mb": 1024**2,
    "mib": 1024**2,
    "gb": 1024**3,
    "gib": 1024**3,
    "tb": 1024**4,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$")


def parse_size(value: str | None) -> int | None:
    """'32 GB', '16384 MB', '24684092 kB' -> bytes.

    dmidecode and /proc/meminfo mean binary units by kB/MB/GB (JEDEC usage),
    so 1 GB is 1024**3 here, as a person reading "16384 MB" = "16 GB" expects.
    """
    if not value:
        return None
    match = _SIZE.match(value.strip())
    if match is None:
        return None
    factor = _UNITS.get(match.group(2).lower())
    if factor is None:
        return None
    return int(float(match.group(1)) * factor)
