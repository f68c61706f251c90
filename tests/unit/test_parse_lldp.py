"""lldpctl parsers: real neighbour tables of Juniper QFX, Cumulus, Cisco (keyvalue), H3C and
SONiC (json0) from fixtures/hardware/_lldp, and lldpd-to-lldpd outputs in all three formats
captured between network namespaces (fixtures/hardware/lldpd-netns).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from oci.ingest.facts import LldpFacts
from oci.ingest.lldp import LldpResult, link_speed_mbps, parse_lldp_json, parse_lldp_keyvalue
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES

LLDP = FIXTURES / "_lldp"
NETNS = FIXTURES / "lldpd-netns"


def test_juniper_qfx_keyvalue() -> None:
    result = parse_lldp_keyvalue((LLDP / "netbox-agent-qfx" / "lldpctl-keyvalue.txt").read_text())
    # Port id subtype "local" (512); the interface name is only in the description.
    assert result.neighbours == (
        LldpFacts("eth0", "sw-filer-f06.dc42", "40:a6:77:7a:72:00", "512", "xe-0/0/1", 296),
        LldpFacts("eth1", "sw-filer-f05.dc42", "40:a6:77:7c:fb:20", "512", "xe-0/0/1", 296),
    )
    assert result.speeds == {}  # the QFX advertises no MAU type


def test_cumulus_keyvalue() -> None:
    result = parse_lldp_keyvalue(
        (LLDP / "netbox-agent-cumulus" / "lldpctl-keyvalue.txt").read_text()
    )
    # In this capture eno2d1's name line is keyed "lldp.eno1.chassis.name": eno2d1 has no name.
    assert result.neighbours == (
        LldpFacts("eno1", "toto-chassis.dc42", "e4:f0:04:b6:47:32", "swp46", "BXVWNR2:lom2", None),
        LldpFacts("eno2d1", None, "e4:f0:04:b6:4e:32", "swp46", "BXVWNR2:lom1", None),
    )
    # "10GigBaseLR - R fiber over 1310 nm optics" on both.
    assert result.speeds == {"eno1": 10000, "eno2d1": 10000}


def test_cisco_keyvalue_with_multiline_description() -> None:
    result = parse_lldp_keyvalue(
        (LLDP / "netbox-agent-dedibox2" / "lldpctl-keyvalue.txt").read_text()
    )
    assert result.neighbours == (
        LldpFacts(
            "eno1", "s35-b12.dc3", "38:20:56:67:90:80", "Gi1/0/29", "GigabitEthernet1/0/29", 140
        ),
    )
    assert result.speeds == {"eno1": 1000}  # 1000BaseTFD


def test_h3c_json0() -> None:
    text = (LLDP / "unifabric-h3c-s5130s-json0" / "lldpcli-json0-show-neighbors.json").read_text()
    assert parse_lldp_json(text).neighbours == (
        LldpFacts(
            "enp129s0f0",
            "DaoCloud_ShangPu_H3C_D01_AccessSwitch",
            "58:c7:ac:5f:2d:2c",
            "GigabitEthernet1/0/17",
            "GigabitEthernet1/0/17 Interface",
            None,
        ),
        # Two NICs cabled to another Linux host running lldpd: port ids are MACs.
        LldpFacts(
            "enp5s0f0np0", "10-20-1-50", "ac:1f:6b:25:86:64", "e8:eb:d3:93:ae:10", "enp5s0f0np0"
        ),
        LldpFacts(
            "enp11s0f0np0", "10-20-1-50", "ac:1f:6b:25:86:64", "b8:3f:d2:9f:09:42", "enp11s0f0np0"
        ),
    )


def test_sonic_json0() -> None:
    text = (LLDP / "unifabric-sonic-leaf-json0" / "lldpcli-json0-show-neighbors.json").read_text()
    result = parse_lldp_json(text)
    assert [(n.interface, n.switch_name, n.chassis_id, n.port_id) for n in result.neighbours] == [
        ("ens1np0", "StorageSW", "70:06:92:6e:32:64", "Ethernet120"),
        ("ens841np0", "LEAF03", "70:06:92:6e:32:1c", "Ethernet184"),
        ("ens842np0", "LEAF04", "70:06:92:6e:34:5c", "Ethernet184"),
        ("ens110np0", "LEAF02", "70:06:92:6e:34:80", "Ethernet184"),
        ("ens108np0", "LEAF01", "70:06:92:6e:33:18", "Ethernet184"),
    ]
    assert result.speeds == {}


NETNS_EXPECTED = (
    LldpFacts("veth-host", "leaf01.example.net", "0c:42:a1:00:00:07", "swp7", "server42:eth0"),
    LldpFacts("veth-host2", "leaf01.example.net", "0c:42:a1:00:00:07", "swp8", "swp8"),
)


@pytest.mark.parametrize(
    ("name", "parser"),
    [
        ("lldpctl.json", parse_lldp_json),
        ("lldpctl-json0.json", parse_lldp_json),
        ("lldpctl.txt", parse_lldp_keyvalue),
    ],
)
def test_lldpd_netns_all_formats_agree(name: str, parser: Callable[[str], LldpResult]) -> None:
    result = parser((NETNS / name).read_text())
    assert result.neighbours == NETNS_EXPECTED
    assert result.speeds == {"veth-host": 10000, "veth-host2": 10000}  # "10GbaseT"


def test_json_single_interface_and_vlans() -> None:
    """Constructed in lldpd's -f json shape: one interface (an object, not a list), a chassis
    without a name (keyed by "id"), two VLANs of which one is the pvid."""
    text = """{"lldp": {"interface": {"eth0.100": {"via": "LLDP", "chassis": {"id":
      {"type": "local", "value": "FOC1234X0AB"}}, "port": {"id": {"type": "mac",
      "value": "AA:BB:CC:00:11:22"}}, "vlan": [{"vlan-id": "10", "pvid": false},
      {"vlan-id": "20", "pvid": true, "value": "v20"}]}}}}"""
    assert parse_lldp_json(text).neighbours == (
        LldpFacts("eth0.100", None, "FOC1234X0AB", "aa:bb:cc:00:11:22", None, 20),
    )


def test_keyvalue_interface_with_a_dot() -> None:
    text = "lldp.eth0.100.via=LLDP\nlldp.eth0.100.chassis.name=sw1\nlldp.eth0.100.port.ifname=p1\n"
    assert parse_lldp_keyvalue(text).neighbours == (LldpFacts("eth0.100", "sw1", None, "p1"),)


@pytest.mark.parametrize(
    ("mau", "speed"),
    [
        ("10GigBaseLR - R fiber over 1310 nm optics", 10000),
        ("1000BaseTFD - Four-pair Category 5 UTP, full duplex mode", 1000),
        ("100BaseTXFD", 100),
        ("25GbaseCR - 25GBASE-R PCS/PMA", 25000),
        ("100GbaseCR4", 100000),
        ("2p5GigT - 2.5GBASE-T", 2500),
        ("unknown", None),
        (None, None),
    ],
)
def test_mau_speeds(mau: str | None, speed: int | None) -> None:
    assert link_speed_mbps(mau) == speed


@pytest.mark.parametrize("text", ["", "{", "[]", '{"lldp": 3}', "garbage"])
def test_json_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lldp_json(text)


@pytest.mark.parametrize(
    "text", ['{\n  "lldp": {\n    \n  }\n}\n\n', '{\n  "lldp": [\n    {\n      \n    }\n  ]\n}\n\n']
)
def test_no_neighbour_json_and_json0(text: str) -> None:
    # Real: lldpctl 1.0.16 -f json / -f json0 with lldpd running and no neighbour
    # (keyvalue prints nothing at all).
    assert parse_lldp_json(text).neighbours == ()


def test_keyvalue_garbage() -> None:
    with pytest.raises(ParseError):
        parse_lldp_keyvalue("garbage\nmore=garbage\n")


def test_keyvalue_two_neighbours_on_one_interface() -> None:
    """Constructed: each neighbour's block starts with its own ".via" line."""
    text = (
        "lldp.eno1.via=LLDP\nlldp.eno1.chassis.name=sw1\nlldp.eno1.port.ifname=p1\n"
        "lldp.eno1.via=LLDP\nlldp.eno1.chassis.name=phone\nlldp.eno1.port.mac=00:11:22:33:44:55\n"
    )
    assert parse_lldp_keyvalue(text).neighbours == (
        LldpFacts("eno1", "sw1", None, "p1"),
        LldpFacts("eno1", "phone", None, "00:11:22:33:44:55"),
    )
