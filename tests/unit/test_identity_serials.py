"""Which serials identify a machine: firmware placeholders shared by every board of
a model count as absent, short real serials (OCI's README racks C1..CC) do not."""

from __future__ import annotations

import pytest

from oci.ingest.identity import real_serial, real_uuid


@pytest.mark.parametrize(
    "serial",
    ["CC", "C1", "CA", "1CJ9FV2", "5KC2J63", "AB", "ZZZ", "J1234567", " CC "],
)
def test_real_serials_identify(serial: str) -> None:
    assert real_serial(serial) == serial.strip()


@pytest.mark.parametrize(
    "serial",
    [
        "",
        "   ",
        "0",
        "00",
        "0000000000",
        "A",
        "AAAA",
        "xxxxxxxx",
        "XXXXXXXXXX",
        "........",
        "---",
        "99999999",
        "To Be Filled By O.E.M.",
        "Not Specified",
        "Default string",
        "System Serial Number",
        "0123456789",
    ],
)
def test_placeholders_shared_by_every_board_do_not(serial: str) -> None:
    assert real_serial(serial) is None


def test_filler_uuids_do_not_identify_and_real_ones_are_canonical() -> None:
    assert real_uuid("00000000-0000-0000-0000-000000000000") is None
    assert real_uuid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF") is None
    assert real_uuid("03000200-0400-0500-0006-000700080009") is None
    assert real_uuid("4C4C4544-0042-3610-8052-B4C04F394B32") == (
        "4c4c4544-0042-3610-8052-b4c04f394b32"
    )
