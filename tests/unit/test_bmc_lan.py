"""oci.bmc.lan.effective_lan: per setting, the run's explicit value, else the
machine's own (machine-set --ipmi-*), else the ipmi network's."""

from __future__ import annotations

import ipaddress

import pytest

from oci.bmc.lan import LanOverrides, effective_lan, machine_overrides
from oci.bmc.quirks import Lan
from oci.errors import Invalid

NET = ipaddress.IPv4Network("10.0.0.0/24")


def test_the_network_gives_all_when_nothing_is_set() -> None:
    assert effective_lan("10.0.0.7", NET, 30) == Lan("10.0.0.7", "255.255.255.0", "10.0.0.1", 30)
    assert effective_lan("10.0.0.7", NET, None).vlan is None


def test_the_machines_values_win_over_the_networks() -> None:
    machine = LanOverrides(netmask="255.255.254.0", gateway="10.0.1.254", vlan=12)
    assert effective_lan("10.0.0.7", NET, 30, machine) == Lan(
        "10.0.0.7", "255.255.254.0", "10.0.1.254", 12
    )
    # A netmask alone moves the derived gateway: the first host of its network.
    wider = effective_lan("10.0.1.7", NET, None, LanOverrides(netmask="255.255.254.0"))
    assert (wider.netmask, wider.gateway) == ("255.255.254.0", "10.0.0.1")
    # One setting only: the others stay the network's.
    assert effective_lan("10.0.0.7", NET, 30, LanOverrides(vlan=5)) == Lan(
        "10.0.0.7", "255.255.255.0", "10.0.0.1", 5
    )
    # No network holds the address: the machine's netmask is enough.
    alone = effective_lan("192.168.5.9", None, None, LanOverrides(netmask="255.255.255.0"))
    assert (alone.netmask, alone.gateway) == ("255.255.255.0", "192.168.5.1")


def test_an_explicit_value_wins_over_both() -> None:
    machine = LanOverrides(netmask="255.255.254.0", gateway="10.0.1.254", vlan=12)
    explicit = LanOverrides(netmask="255.255.255.128", gateway="10.0.0.126")
    assert effective_lan("10.0.0.7", NET, 30, machine, explicit) == Lan(
        "10.0.0.7", "255.255.255.128", "10.0.0.126", 12
    )


def test_refusals_name_the_setting() -> None:
    with pytest.raises(Invalid, match=r"no ipmi network .* holds 192\.168\.5\.9") as raised:
        effective_lan("192.168.5.9", None, None)
    assert set(raised.value.details["fields"]) == {"netmask"}
    # The machine's gateway outside the network its netmask makes.
    with pytest.raises(Invalid, match=r"gateway '10.0.3.1' is not an IPv4 address in") as raised:
        effective_lan("10.0.0.7", NET, None, LanOverrides(gateway="10.0.3.1"))
    assert set(raised.value.details["fields"]) == {"ipmi_default_gw"}
    with pytest.raises(Invalid, match="is not an IPv4 netmask") as raised:
        effective_lan("10.0.0.7", NET, None, explicit=LanOverrides(netmask="255.0.255.0"))
    assert set(raised.value.details["fields"]) == {"netmask"}


def test_machine_overrides_reads_only_what_was_set() -> None:
    assert machine_overrides(None) == LanOverrides()
    assert machine_overrides({"notes": "x"}) == LanOverrides()
    stored = {"ipmi_netmask": "255.255.0.0", "ipmi_default_gw": "10.0.255.254", "ipmi_vlan": 7}
    assert machine_overrides(stored) == LanOverrides("255.255.0.0", "10.0.255.254", 7)
