"""lscpu, plain (`lscpu`) or JSON (`lscpu -J`): architecture and CPU topology.

cores = Socket(s) x Core(s) per socket, threads = CPU(s). Recent util-linux
nests fields under sections ("Vendor ID" > "Model name" in the text by
indentation, in JSON under "children"); both are flattened here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from oci.ingest.facts import CpuFacts
from oci.ingest.values import MAX_COUNT, MAX_MHZ, ParseError, parse_int

__all__ = ["LscpuResult", "lscpu_fields_from_json", "parse_lscpu_json", "parse_lscpu_text"]


@dataclass(frozen=True)
class LscpuResult:
    cpu: CpuFacts
    architecture: str | None


def _bounded(key: str, value: int | None, maximum: int) -> int | None:
    """Past its column (Integer) is no server's, and a database error at write."""
    if value is not None and value > maximum:
        raise ParseError(f"{key}: {value} is above {maximum}")
    return value


def _int(fields: dict[str, str], key: str) -> int | None:
    return _bounded(key, parse_int(fields.get(key, "")), MAX_COUNT)


def _mhz(fields: dict[str, str]) -> int | None:
    """The rated clock (CPU max MHz), else the current one: the current one
    moves with frequency scaling at every report."""
    for key in ("CPU max MHz", "CPU MHz"):
        whole = fields.get(key, "").partition(".")[0].strip()
        if whole.isascii() and whole.isdigit() and int(whole) > 0:
            return _bounded(key, int(whole), MAX_MHZ)
    return None


def _result(fields: dict[str, str]) -> LscpuResult:
    if not fields.get("CPU(s)") and not fields.get("Architecture"):
        raise ParseError("no 'Architecture' or 'CPU(s)' field: not lscpu output")
    sockets = _int(fields, "Socket(s)")
    per_socket = _int(fields, "Core(s) per socket")
    # Some ARM kernels report no sockets ("Socket(s): -") but "Cluster(s)".
    if sockets is None and per_socket is not None:
        sockets = _int(fields, "Cluster(s)")
    cores = sockets * per_socket if sockets and per_socket else None
    return LscpuResult(
        cpu=CpuFacts(
            model=fields.get("Model name") or None,
            vendor=fields.get("Vendor ID") or None,
            sockets=sockets,
            cores=_bounded("Core(s) per socket x Socket(s)", cores, MAX_COUNT),
            threads=_int(fields, "CPU(s)"),
            mhz=_mhz(fields),
        ),
        architecture=fields.get("Architecture") or None,
    )


def parse_lscpu_text(text: str) -> LscpuResult:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            # First wins: "Model name" of the first CPU type on hybrid machines.
            fields.setdefault(key.strip(), value.strip())
    return _result(fields)


def lscpu_fields_from_json(data: object) -> dict[str, str]:
    fields: dict[str, str] = {}

    def walk(items: object) -> None:
        if not isinstance(items, list):
            return
        for item in items:
            if not isinstance(item, dict):
                continue
            key = str(item.get("field", "")).strip().rstrip(":").strip()
            data = item.get("data")
            if key and data is not None:
                fields.setdefault(key, str(data).strip())
            walk(item.get("children"))

    walk(data.get("lscpu") if isinstance(data, dict) else None)
    return fields


def parse_lscpu_json(text: str) -> LscpuResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"not JSON (line {error.lineno}: {error.msg})") from None
    return _result(lscpu_fields_from_json(data))
