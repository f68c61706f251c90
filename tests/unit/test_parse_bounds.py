"""Bounds on what one report may list, checked on the raw files before parsing:
a 1 MiB upload can hold 150,000 DIMM records, whose parse alone takes seconds."""

from __future__ import annotations

import time

import pytest

from oci.ingest.checks import Bounds, FactsRejected, check_files


def _dimms(count: int) -> str:
    return "".join(
        f"Handle 0x{n % 0xE000:04X}, DMI type 17, 84 bytes\nMemory Device\n"
        f"\tSize: 16 GB\n\tLocator: D{n}\n\n"
        for n in range(count)
    )


def test_a_flood_of_dimm_records_is_refused_before_parsing() -> None:
    files = {"dmidecode.txt": _dimms(150_000)}
    start = time.perf_counter()
    with pytest.raises(FactsRejected, match=r"dmidecode.txt lists about 150000 DIMMs; at most"):
        check_files(files)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("name", "line", "plural"),
    [
        ("lspci-nnmm.txt", '0000:00:00.0 "Host bridge [0600]" "Intel [8086]" "x [2020]"\n', "PCI"),
        ("ip-link.json", '{"ifname": "eth0"},', "NICs"),
    ],
)
def test_raw_counts_of_other_files(name: str, line: str, plural: str) -> None:
    bounds = Bounds(pci_devices=10, nics=10)
    check_files({name: line * 10}, bounds)
    with pytest.raises(FactsRejected, match=plural):
        check_files({name: line * 100}, bounds)
