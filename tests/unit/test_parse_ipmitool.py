"""ipmitool parsers against real ipmitool 1.8.19 output from OpenIPMI's BMC simulator
(fixtures/hardware/ipmi-sim; the values are the simulator's configuration)."""

from __future__ import annotations

import pytest

from oci.ingest.ipmitool import LanInfo, McInfo, parse_lan_print, parse_mc_info
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES

SIM = FIXTURES / "ipmi-sim"


def test_lan_print() -> None:
    assert parse_lan_print((SIM / "ipmitool-lan.txt").read_text()) == LanInfo(
        ip_address="10.20.30.41", mac="0c:c4:7a:3e:91:a2"
    )


def test_mc_info() -> None:
    assert parse_mc_info((SIM / "ipmitool-mc-info.txt").read_text()) == McInfo(
        firmware_version="4.28", manufacturer="Dell Inc."
    )


def test_unconfigured_bmc_has_no_address() -> None:
    """Constructed from the same layout: a BMC with no IP prints 0.0.0.0."""
    text = "IP Address Source       : DHCP Address\nIP Address              : 0.0.0.0\n"
    text += "MAC Address             : 3C-EC-EF-01-02-03\n"
    assert parse_lan_print(text) == LanInfo(ip_address=None, mac="3c:ec:ef:01:02:03")


@pytest.mark.parametrize("text", ["", "garbage", "Set in Progress : Set Complete\n"])
def test_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lan_print(text)
    with pytest.raises(ParseError):
        parse_mc_info(text)
