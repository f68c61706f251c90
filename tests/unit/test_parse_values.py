"""The shared normalisers (oci/ingest/values.py)."""

from __future__ import annotations

import pytest

from oci.ingest.values import (
    hex4,
    normalise_mac,
    normalise_pci_address,
    normalise_uuid,
    parse_int,
    parse_size,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
        ("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff"),
        ("aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"),
        ("0:1b:21:a:b:c", "00:1b:21:0a:0b:0c"),
        ("00:00:10:87:fe:80:00:00:00:00:00:00:0c:42:a1:03:00:d3:5e:20", None),  # InfiniBand
        ("not a mac", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_normalise_mac(value: object, expected: str | None) -> None:
    assert normalise_mac(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4C4C4544-0051-3910-8044-B4C04F4A4D32", "4c4c4544-0051-3910-8044-b4c04f4a4d32"),
        ("--", None),
        ("Not Settable", None),
        (None, None),
    ],
)
def test_normalise_uuid(value: str | None, expected: str | None) -> None:
    assert normalise_uuid(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00000000:3B:00.0", "0000:3b:00.0"),
        ("3b:00.4", "0000:3b:00.4"),
        ("0001:af:00.1", "0001:af:00.1"),
        ("usb-0000:44:00.3-1.2", None),
        ("virtio2", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_pci_address(value: str | None, expected: str | None) -> None:
    assert normalise_pci_address(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("16384 MB", 16 * 1024**3),
        ("64 GB", 64 * 1024**3),
        ("24684092 kB", 24684092 * 1024),
        ("2 TB", 2 * 1024**4),
        ("No Module Installed", None),
        ("12 parsecs", None),
        ("", None),
    ],
)
def test_parse_size(value: str, expected: int | None) -> None:
    assert parse_size(value) == expected


def test_hex4_and_parse_int() -> None:
    assert (hex4("10DE"), hex4("0x1af4"), hex4("7"), hex4("12345"), hex4(None)) == (
        "10de",
        "1af4",
        "0007",
        None,
        None,
    )
    assert (
        parse_int(5),
        parse_int(" 12 "),
        parse_int(True),
        parse_int("1e3"),
        parse_int(None),
    ) == (
        5,
        12,
        None,
        None,
        None,
    )
