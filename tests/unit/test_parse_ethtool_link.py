"""`ethtool <nic>` (link-<nic>.txt): the speed a NIC runs at, or could."""

from __future__ import annotations

import pytest

from oci.ingest.ethtool import LinkSettings, parse_ethtool_link
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES

QEMU = FIXTURES / "qemu-q35-fake-server"

# Constructed from ethtool's documented output of a 25G card whose link is
# down (continuation lines of link modes, "Unknown!" speed).
CONNECTX_DOWN = """Settings for enp65s0f0np0:
\tSupported ports: [ Backplane ]
\tSupported link modes:   1000baseKX/Full
\t                        10000baseKR/Full
\t                        25000baseCR/Full
\t                        25000baseKR/Full
\t                        25000baseSR/Full
\tSupported pause frame use: Symmetric
\tSpeed: Unknown!
\tDuplex: Unknown! (255)
\tLink detected: no
"""


def test_e1000e_in_qemu_runs_at_1g() -> None:
    text = (QEMU / "link-eth1.txt").read_text()
    assert parse_ethtool_link(text) == LinkSettings(1000, 1000, False)


def test_virtio_reports_no_speed() -> None:
    text = (QEMU / "link-eth0.txt").read_text()
    assert parse_ethtool_link(text) == LinkSettings(None, None, True)


def test_a_card_with_its_link_down_is_known_by_its_fastest_mode() -> None:
    assert parse_ethtool_link(CONNECTX_DOWN) == LinkSettings(None, 25000, False)


def test_not_ethtool_output() -> None:
    with pytest.raises(ParseError, match="Settings for"):
        parse_ethtool_link("driver: e1000e\nbus-info: 0000:00:02.0\n")


def test_a_speed_past_its_column_is_refused() -> None:
    with pytest.raises(ParseError, match="Speed: 4294967296 Mb/s is above"):
        parse_ethtool_link("Settings for eth0:\n\tSpeed: 4294967296Mb/s\n")
