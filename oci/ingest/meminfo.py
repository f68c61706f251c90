"""/proc/meminfo: MemTotal, the memory the kernel sees.

Smaller than the installed DIMMs (firmware and kernel reservations), so
report.py uses it only when dmidecode lists no modules (VMs, odd firmware).
"""

from __future__ import annotations

from oci.ingest.values import ParseError, parse_size

__all__ = ["parse_meminfo"]


def parse_meminfo(text: str) -> int:
    """MemTotal in bytes ("MemTotal:  24684092 kB"; the kernel's kB is KiB)."""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "MemTotal":
            size = parse_size(value)
            if size is None:
                raise ParseError(f"MemTotal not understood: {value.strip()!r}")
            return size
    raise ParseError("no MemTotal line")
