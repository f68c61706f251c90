"""dmidecode (full, text): system identity, BIOS, processors, memory modules.

The text is a list of records:

    Handle 0x0100, DMI type 1, 27 bytes
    System Information
    <TAB>Manufacturer: Dell Inc.
    <TAB>Characteristics:
    <TAB><TAB>PCI is supported

A blank line ends a record. Lines we cannot place (text outside a record,
a broken Handle line, unindented text inside one) are reported as one
problem; the rest is still used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oci.ingest.facts import CpuFacts, DimmFacts, SystemFacts
from oci.ingest.values import ParseError, normalise_uuid, parse_int, parse_size

__all__ = ["DmiRecord", "DmiResult", "parse_dmidecode", "parse_records"]

_HANDLE = re.compile(r"^Handle 0x([0-9A-Fa-f]{4}), DMI type (\d+), (\d+) bytes$")
# Lines dmidecode prints around the table, never inside a record.
_PREAMBLE = re.compile(
    r"^(#|Getting SMBIOS data|SMBIOS \S+ present|Table at|\d+ structures occupying|End Of Table"
    r"|Scanning /dev/mem|Invalid entry length|Wrong DMI structures|Legacy DMI|"
    r"Found SMBIOS entry point|/sys/firmware|No SMBIOS nor DMI entry point found)"
)
# The record types parse_dmidecode reads: BIOS, system, processor, memory device.
_READ = frozenset({0, 1, 4, 17})
_SPEED = re.compile(r"^(\d+)\s*(MT/s|MHz)$")
# Empty DIMM slots say so in Size; some firmwares write 0 or Unknown.
_NO_MODULE = {"no module installed", "not installed", "0", "0 mb", "0 gb", "unknown", ""}


@dataclass
class DmiRecord:
    handle: str
    type: int
    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DmiResult:
    system: SystemFacts
    cpu: CpuFacts
    dimms: tuple[DimmFacts, ...]
    memory_bytes: int | None  # sum of the installed modules
    architecture: str | None  # a hint from the processor records
    problems: tuple[str, ...] = ()  # without the file name


def parse_records(
    text: str, types: frozenset[int] | None = None
) -> tuple[list[DmiRecord], list[str]]:
    """The records, and the problem of lines outside the layout. With ``types``,
    other records keep only their handle, type and title (their lines are
    still checked): a server's table is mostly records nothing reads."""
    records: list[DmiRecord] = []
    stray: list[tuple[int, str]] = []
    current: DmiRecord | None = None
    read = False  # are current's fields wanted
    want_title = False
    last_key: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line:
            current, want_title = None, False
            continue
        match = _HANDLE.match(line) if line.startswith("Handle ") else None
        if match:
            current = DmiRecord(handle=match.group(1).lower(), type=int(match.group(2)))
            records.append(current)
            read = types is None or current.type in types
            want_title, last_key = True, None
            continue
        if current is None:
            if not _PREAMBLE.match(line):
                stray.append((number, line))
            continue
        indented = line[0] == "\t"
        if want_title and not indented:
            current.title, want_title = line.strip(), False
            continue
        want_title = False
        if not indented:
            stray.append((number, line))
        elif not read:
            continue
        elif line[1] == "\t" and last_key is not None:
            current.lists.setdefault(last_key, []).append(line.strip())
        else:
            key, sep, value = line.partition(":")
            if sep:
                last_key = key.strip()
                current.fields[last_key] = value.strip()
            # A colon-less field line is tolerated: linuxhw's anonymiser replaces some
            # (HPE chassis "Boot-up State") with a hash, and nothing here reads them.
    problems = []
    if stray:
        number, line = stray[0]
        problems.append(
            f"{len(stray)} line(s) outside the DMI record layout ignored "
            f"(first at line {number}: {line.strip()[:60]!r})"
        )
    return records, problems


def _text(record: DmiRecord | None, key: str) -> str | None:
    if record is None:
        return None
    value = record.fields.get(key, "").strip()
    return value or None


def _speed(value: str | None) -> int | None:
    match = _SPEED.match(value or "")
    return int(match.group(1)) if match else None


def _dimm(record: DmiRecord) -> DimmFacts | None:
    size_text = (_text(record, "Size") or "").lower()
    if size_text in _NO_MODULE:
        return None
    size = parse_size(size_text)
    if not size:
        return None
    return DimmFacts(
        locator=_text(record, "Locator") or _text(record, "Bank Locator") or record.handle,
        size_bytes=size,
        memory_type=_text(record, "Type"),
        # The module's rated speed; the configured (running) speed is a BIOS choice.
        speed_mts=_speed(_text(record, "Speed"))
        or _speed(_text(record, "Configured Memory Speed"))
        or _speed(_text(record, "Configured Clock Speed")),
        manufacturer=_text(record, "Manufacturer"),
        part_number=_text(record, "Part Number"),
        serial=_text(record, "Serial Number"),
    )


def _cpu(processors: list[DmiRecord]) -> CpuFacts:
    populated = [
        p for p in processors if (_text(p, "Status") or "").lower().startswith("populated")
    ]
    if not populated:
        return CpuFacts()

    def total(key: str) -> int | None:
        counts = [parse_int(_text(p, key)) for p in populated]
        numbers = [c for c in counts if c is not None]
        return sum(numbers) if len(numbers) == len(counts) else None

    return CpuFacts(
        model=_text(populated[0], "Version"),
        vendor=_text(populated[0], "Manufacturer"),
        sockets=len(populated),
        cores=total("Core Enabled") or total("Core Count"),
        threads=total("Thread Count"),
    )


def _architecture(processors: list[DmiRecord]) -> str | None:
    """Guess from the processor records: ARM signatures name an 'Implementor',
    x86 ones a 'Family N, Model N'. Used only when uname -m and lscpu are missing."""
    for record in processors:
        signature = _text(record, "Signature") or ""
        family = _text(record, "Family") or ""
        capable64 = "64-bit capable" in record.lists.get("Characteristics", [])
        if signature.startswith("Implementor") or family.startswith("ARMv8") or family == "ARM":
            return "aarch64"
        if re.match(r"^(Type \d+, )?Family \d+, Model \d+", signature) and capable64:
            return "x86_64"
    return None


def parse_dmidecode(text: str) -> DmiResult:
    records, problems = parse_records(text, _READ)
    if not records:
        raise ParseError("no DMI records (dmidecode found no SMBIOS table?)")
    by_type: dict[int, list[DmiRecord]] = {}
    for record in records:
        by_type.setdefault(record.type, []).append(record)
    bios = next(iter(by_type.get(0, [])), None)
    system = next(iter(by_type.get(1, [])), None)
    processors = by_type.get(4, [])
    dimms = tuple(d for d in (_dimm(r) for r in by_type.get(17, [])) if d is not None)
    if system is None:
        problems.append("no System Information record (DMI type 1)")
    return DmiResult(
        system=SystemFacts(
            manufacturer=_text(system, "Manufacturer"),
            product_name=_text(system, "Product Name"),
            serial=_text(system, "Serial Number"),
            system_uuid=normalise_uuid(_text(system, "UUID")),
            sku=_text(system, "SKU Number"),
            bios_version=_text(bios, "Version"),
            bios_date=_text(bios, "Release Date"),
        ),
        cpu=_cpu(processors),
        dimms=dimms,
        memory_bytes=sum(d.size_bytes for d in dimms) or None,
        architecture=_architecture(processors),
        problems=tuple(problems),
    )
