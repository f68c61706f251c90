"""ip -j -d link and ethtool -i parsers.

Real: this VM (virtio NIC, ifb devices), a bridge with veths in a network namespace, their
ethtool -i. Constructed (labelled): a GPU server's ip link with bond slaves, a BMC USB NIC,
a VLAN and an InfiniBand port, and its ethtool -i files.
"""

from __future__ import annotations

import pytest

from oci.ingest.ethtool import EthtoolInfo, parse_ethtool_info
from oci.ingest.iplink import Link, parse_ip_link
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES


def test_vm_links() -> None:
    links = parse_ip_link((FIXTURES / "sandbox-vm-virtio" / "ip-link.json").read_text())
    # lo (loopback) is not Ethernet; ifb0/ifb1 are virtual (info_kind "ifb").
    assert links == [
        Link("ifb0", "8a:b2:5d:10:f4:ad", None, None, "ifb", link_up=False),
        Link("ifb1", "ba:4c:9e:b2:40:6e", None, None, "ifb", link_up=False),
        Link("eth0", "02:fc:00:00:00:01", "virtio", "virtio2", None, link_up=True),
    ]


def test_bridge_and_veths() -> None:
    links = {
        link.name: link
        for link in parse_ip_link((FIXTURES / "iplink-netns" / "ip-link.json").read_text())
    }
    assert sorted(links) == ["br0", "veth0", "veth1"]
    assert (links["br0"].kind, links["veth1"].kind, links["veth0"].parentbus) == (
        "bridge",
        "veth",
        None,
    )


def test_server_links_constructed() -> None:
    links = {
        link.name: link
        for link in parse_ip_link(
            (FIXTURES / "constructed-gpu-server" / "ip-link.json").read_text()
        )
    }
    # lo and the InfiniBand port (20-byte address) are left out.
    assert sorted(links) == ["bond0", "bond0.100", "eno1", "eno2", "ens1f0np0", "ens1f1np1", "usb0"]
    # A bond slave's own MAC is permaddr, not the bond's address it carries.
    assert links["eno2"].mac == "bc:97:e1:5a:10:21"
    assert links["eno1"].mac == "bc:97:e1:5a:10:20"  # permaddr upper-case in the input
    assert (links["eno1"].parentbus, links["eno1"].parentdev) == ("pci", "0000:21:00.0")
    assert links["ens1f1np1"].mac == "0c:42:a1:d3:5e:11"
    assert (links["bond0"].kind, links["bond0.100"].kind, links["eno1"].kind) == (
        "bond",
        "vlan",
        None,
    )
    assert links["usb0"].parentbus == "usb"


@pytest.mark.parametrize("text", ["", "[", "{}", "garbage"])
def test_ip_link_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_ip_link(text)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "sandbox-vm-virtio/ethtool-eth0.txt",
            EthtoolInfo("virtio_net", "1.0.0", None, "0000:00:03.0"),
        ),
        ("iplink-netns/ethtool-veth0.txt", EthtoolInfo("veth", "1.0", None, None)),
        ("iplink-netns/ethtool-br0.txt", EthtoolInfo("bridge", "2.3", None, None)),  # N/A
        (
            "constructed-gpu-server/ethtool-eno1.txt",
            EthtoolInfo(
                "bnxt_en", "6.5.0-26-generic", "222.0.137.0/pkg 22.21.06.80", "0000:21:00.0"
            ),
        ),
        (
            "constructed-gpu-server/ethtool-usb0.txt",
            EthtoolInfo(
                "cdc_ether", "6.5.0-26-generic", "CDC Ethernet Device", "usb-0000:44:00.3-1.2"
            ),
        ),
    ],
)
def test_ethtool_info(path: str, expected: EthtoolInfo) -> None:
    assert parse_ethtool_info((FIXTURES / path).read_text()) == expected


@pytest.mark.parametrize(
    "text", ["", "garbage", "Cannot get driver information: Operation not supported"]
)
def test_ethtool_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_ethtool_info(text)
