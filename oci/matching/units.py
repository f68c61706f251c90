"""Sizes, ranges and speeds as profiles write them: ``256GiB``, ``3.5TB..4TB``, ``25Gb`` (pure).

A number without a unit is refused: ``ram: {min: 256}`` could mean bytes or
GiB, and guessing is how peers' rules go silently wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SIZE_UNITS = {
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "PB": 10**15,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "TiB": 2**40,
    "PiB": 2**50,
}
SPEED_UNITS = {"Mb": 1, "Mbit": 1, "M": 1, "Gb": 1000, "Gbit": 1000, "G": 1000, "Tb": 10**6}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)(/s)?\s*$")


def parse_size(text: str) -> int:
    """``256GiB`` -> bytes. ValueError naming the unit when it is not one we know."""
    match = _NUMBER.match(text)
    if not match or match.group(3):
        raise ValueError(f"{text!r} is not a size such as 256GiB or 3.84TB")
    number, unit = match.group(1), match.group(2)
    if not unit:
        raise ValueError(f"{text!r} has no unit: write e.g. {number}GiB or {number}GB")
    if unit not in SIZE_UNITS:
        raise ValueError(f"unknown size unit {unit!r} in {text!r}; known: {', '.join(SIZE_UNITS)}")
    return round(float(number) * SIZE_UNITS[unit])


def parse_speed(text: str) -> int:
    """``25Gb`` (or 25G, 25Gbit, 25Gb/s) -> Mbit/s."""
    match = _NUMBER.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a speed such as 25Gb or 100Gb")
    number, unit = match.group(1), match.group(2)
    if not unit:
        raise ValueError(f"{text!r} has no unit: write e.g. {number}Gb")
    if unit not in SPEED_UNITS:
        raise ValueError(
            f"unknown speed unit {unit!r} in {text!r}; known: {', '.join(SPEED_UNITS)}"
        )
    return round(float(number) * SPEED_UNITS[unit])


@dataclass(frozen=True)
class SizeRange:
    low: int | None
    high: int | None
    text: str

    def __contains__(self, size: int) -> bool:
        return (self.low is None or size >= self.low) and (self.high is None or size <= self.high)


def parse_size_range(text: str) -> SizeRange:
    """``3.5TB..4TB``, ``4TB..`` (at least) or ``..1TB`` (at most)."""
    low_text, sep, high_text = text.partition("..")
    if not sep:
        raise ValueError(f"{text!r} is not a size range: write LOW..HIGH, LOW.. or ..HIGH")
    low = parse_size(low_text) if low_text.strip() else None
    high = parse_size(high_text) if high_text.strip() else None
    if low is None and high is None:
        raise ValueError("an empty size range '..' matches anything: give a bound")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{text!r}: the low bound is above the high bound")
    return SizeRange(low, high, text.strip())


def binary(size: int) -> str:
    """Memory as people write it: 512GiB, 1.5TiB."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + unit
    return f"{size}B"


def decimal(size: int) -> str:
    """Disks as vendors write them: 480GB, 3.84TB."""
    for unit, scale in (("PB", 10**15), ("TB", 10**12), ("GB", 10**9), ("MB", 10**6)):
        if size >= scale:
            return f"{size / scale:.2f}".rstrip("0").rstrip(".") + unit
    return f"{size}B"


def speed(mbps: int) -> str:
    return f"{mbps / 1000:g}Gb" if mbps >= 1000 else f"{mbps}Mb"
