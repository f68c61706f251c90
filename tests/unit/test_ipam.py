"""The pure computations of enrolment: host names, served roles, free addresses, NICs."""

from __future__ import annotations

import ipaddress

import pytest

from oci.enrolment import ipam
from oci.enrolment.ipam import NicSpeed

NICS = [
    NicSpeed("eno1", 1000),
    NicSpeed("ens10f0", 25000),
    NicSpeed("ens2f1", 10000),
    NicSpeed("ens2f0", 10000),
    NicSpeed("idrac", None),
    NicSpeed("ens3f0", 100000),
    NicSpeed("bond0", 200000, physical=False),  # its members' sum: never a speed class
]


@pytest.mark.parametrize(
    ("token", "nic"),
    [
        ("1g1", "eno1"),  # every NIC of at least 1 Gbit/s, in natural order
        ("10g1", "ens2f0"),
        ("10g2", "ens2f1"),
        ("10g3", "ens3f0"),  # ens3 before ens10: natural order, not text order
        ("10g4", "ens10f0"),
        ("10g5", None),
        ("25g1", "ens3f0"),
        ("25g2", "ens10f0"),
        ("100g1", "ens3f0"),
        ("100g2", None),
        ("200g1", None),
        ("bond0", "bond0"),  # by name, though
        ("eno1", "eno1"),
        ("idrac", "idrac"),
        ("eth0", None),
    ],
)
def test_speed_classes_and_names_resolve_to_nics(token: str, nic: str | None) -> None:
    assert ipam.resolve_interface(token, NICS) == nic


@pytest.mark.parametrize("token", ["eno1", "10g1", "25g2", "bond0.101", "enp129s0f1np1"])
def test_interface_tokens_accepted(token: str) -> None:
    assert ipam.check_interface(token) == token


@pytest.mark.parametrize("token", ["", "0g1", "10g0", "eth 0", "a" * 16, "1eth", "eth0;reboot"])
def test_interface_tokens_refused(token: str) -> None:
    with pytest.raises(ValueError, match="neither an interface name"):
        ipam.check_interface(token)


@pytest.mark.parametrize(
    ("network_role", "served", "not_served"),
    [
        ("all", ["controller", "compute", "swiftstore"], []),
        ("controller", ["controller"], ["compute"]),
        ("vm-net", ["compute", "network", "controller"], ["swiftstore", "cephosd"]),
        ("ceph-cluster", ["cephosd"], ["compute", "controller"]),
        ("ovs-bridge", [], ["compute", "controller"]),
        ("ipmi", [], ["compute", "controller"]),
        (None, [], ["controller"]),
    ],
)
def test_which_roles_a_network_serves(
    network_role: str | None, served: list[str], not_served: list[str]
) -> None:
    assert all(ipam.serves(network_role, role) for role in served)
    assert not any(ipam.serves(network_role, role) for role in not_served)


def test_first_free_skips_the_gateway_and_fills_holes() -> None:
    net = ipaddress.ip_network("10.0.0.0/29")
    assert str(ipam.first_free(net, [])) == "10.0.0.2"
    assert str(ipam.first_free(net, ["10.0.0.2", "10.0.0.4"])) == "10.0.0.3"
    full = [f"10.0.0.{n}" for n in range(2, 7)]
    assert ipam.usable_count(net) == 5
    assert ipam.first_free(net, full) is None
    assert str(ipam.first_free(net, full[1:])) == "10.0.0.2"


def test_first_free_ipv6() -> None:
    net = ipaddress.ip_network("2001:db8::/64")
    taken = ["2001:db8::2", "2001:DB8::3"]  # any spelling of an address counts
    assert str(ipam.first_free(net, taken)) == "2001:db8::4"
    small = ipaddress.ip_network("2001:db8::/126")
    assert ipam.usable_count(small) == 2
    assert ipam.first_free(small, ["2001:db8::2", "2001:db8::3"]) is None


@pytest.mark.parametrize(
    ("cidr", "count"),
    [("10.0.0.0/24", 253), ("10.0.0.0/30", 1), ("10.0.0.0/31", 2), ("10.0.0.0/32", 1)],
)
def test_usable_count_matches_what_is_handed_out(cidr: str, count: int) -> None:
    net = ipaddress.ip_network(cidr)
    assert ipam.usable_count(net) == count == len(list(ipam.usable_hosts(net)))


def test_host_names() -> None:
    assert ipam.host_name("cl1", "controller", 3, "example.com") == ("cl1-controller-3.example.com")
