"""Vendor specifics as data: the quirks' raid_tools, hponcfg and extra_commands (pure)."""

from __future__ import annotations

import ipaddress
import re

import pytest

from oci.bmc.quirks import QuirksError, lan_for, load_quirks, parse_quirks, plan
from tests.helpers.paths import REPO

SHIPPED = REPO / "oci" / "bmc" / "quirks.yaml"
LAN = lan_for("10.0.0.5", ipaddress.IPv4Network("10.0.0.0/24"), None)


def test_shipped_entries_name_their_vendor_tools() -> None:
    quirks = {q.name: q for q in load_quirks()}
    assert quirks["dell"].raid_tools == ("perccli", "storcli", "megacli")
    assert quirks["hpe"].raid_tools[0] == "ssacli" and quirks["hpe"].hponcfg
    assert not quirks["default"].hponcfg and quirks["default"].extra_commands == ()


def test_the_commented_dell_racadm_commands_load_and_run_last() -> None:
    # Uncommented as an operator would: OCI's racadm settings, one argv each.
    text = re.sub(r"(?m)^    # (extra_commands:|  - \[racadm)", r"    \1", SHIPPED.read_text())
    dell = parse_quirks(text, "quirks.yaml")[0]
    assert dell.extra_commands[0] == ("racadm", "set", "BIOS.SysSecurity.AcPwrRcvry", "On")
    steps = plan(dell, "Aa1-" * 4, LAN)
    vendor = [s for s in steps if s.name.startswith("vendor")]
    assert len(vendor) == 6 and steps[-6:] == vendor
    assert vendor[3].command == "racadm set iDRAC.IPMISOL.BaudRate 115200"


@pytest.mark.parametrize(
    ("commands", "why"),
    [
        ("[[]]", "each command is a list of 1 to 64 words"),
        ('[["racadm", "set\\nx"]]', "should match pattern"),
        ('"racadm set x"', "valid tuple"),
    ],
)
def test_bad_extra_commands_are_named(commands: str, why: str) -> None:
    text = (
        "version: 1\nvendors:\n"
        f"  - {{name: odd, match: {{manufacturer: Odd}}, user_id: 3, extra_commands: {commands}}}\n"
        "  - {name: default, user_id: 3}\n"
    )
    with pytest.raises(QuirksError, match=r"vendors\.0 \(odd\)\.extra_commands") as raised:
        parse_quirks(text, "q.yaml")
    assert why in str(raised.value)
