"""Racking from LLDP: table first, then patterns; U from the port; flags when unsure."""

from __future__ import annotations

from oci.ingest.report import parse_report
from oci.inventory.view import MachineView, NeighbourView, NicView, from_facts
from oci.matching.profiles import load_text
from oci.matching.racking import Place, compile_rules, guess
from tests.helpers.reports import fixture_files

RULES_TEXT = r"""
switches:
  patterns:
    - regex: '^(?P<dc>dc\d+)-r(?P<row>\d+)-rack(?P<rack>\d+)-sw\d+$'
      location: '{dc}-zone1'
      aggregate: 'az-{dc}-r{row}'
      position: {port: '^swp(?P<u>\d+)$'}
    - regex: '^(?P<dc>[a-z]+)(?P<row>\d)(?P<rack>\d\d)u(?P<u>\d+)$'
      location: '{dc}'
  table:
    dc2-b3-5: {dc: dc2, row: b3, rack: '5', location: dc2-zone1, aggregate: AZ3,
               position: {port: '(?P<u>\d+)$'}}
    dc1-r2-rack5-sw9: {dc: dc1, row: '2', rack: special}
"""
document = load_text(RULES_TEXT, "rules.yaml")
assert document.switches is not None
RULES = compile_rules(document.switches)


def nic(name: str, up: bool | None = True) -> NicView:
    return NicView(name, True, 25_000, "ConnectX-6", up)


def machine(*links: tuple[str, str | None, str | None], down: tuple[str, ...] = ()) -> MachineView:
    return MachineView(
        nics=tuple(nic(name) for name, _, _ in links) + tuple(nic(n, False) for n in down),
        neighbours=tuple(NeighbourView(name, switch, port) for name, switch, port in links),
    )


def test_a_pattern_gives_dc_row_rack_u_location_and_aggregate() -> None:
    racked = guess(
        machine(("eno1", "dc1-r2-rack5-sw1", "swp12"), ("eno2", "dc1-r2-rack5-sw2", "swp12")),
        RULES,
    )
    assert racked.flags == ()
    assert racked.place == Place("dc1", "2", "5", 12, "dc1-zone1", "az-dc1-r2")
    assert racked.reasons[0] == "eno1: switch dc1-r2-rack5-sw1 matches pattern 1: dc1/2/5 U12"


def test_the_table_wins_over_patterns_and_has_its_own_port_rule() -> None:
    racked = guess(machine(("eno1", "dc2-b3-5", "Ethernet1/17")), RULES)
    assert racked.place == Place("dc2", "b3", "5", 17, "dc2-zone1", "AZ3")
    # sw9 would match pattern 1, but the table says otherwise.
    assert guess(machine(("eno1", "dc1-r2-rack5-sw9", "swp3")), RULES).place == Place(
        "dc1", "2", "special"
    )


def test_a_u_group_in_the_switch_name() -> None:
    racked = guess(machine(("eno1", "par112u40", "xe-0/0/1")), RULES)
    assert racked.place == Place("par", "1", "12", 40, "par", None)


def test_switches_in_different_racks_are_flagged_not_placed() -> None:
    racked = guess(
        machine(("eno1", "dc1-r2-rack5-sw1", "swp1"), ("eno2", "dc1-r2-rack6-sw1", "swp1")), RULES
    )
    assert racked.place is None
    assert racked.flags == ("switches in different racks (eno1 dc1/2/5 U1, eno2 dc1/2/6 U1)",)


def test_an_unknown_switch_and_a_silent_link_up_nic_are_flagged() -> None:
    view = MachineView(
        nics=(nic("eno1"), nic("eno2"), nic("eno3", up=False)),
        neighbours=(NeighbourView("eno1", "core-router-7", "ge-0/0/1"),),
    )
    racked = guess(view, RULES)
    assert racked.place is None
    assert racked.flags == (
        "unknown switch core-router-7 on eno1",
        "no LLDP on link-up NIC eno2",
    )
    # A link-down NIC (eno3) is expected to be silent.
    assert guess(machine(("eno1", "dc1-r2-rack5-sw1", "swp4"), down=("eno2",)), RULES).flags == ()


def test_no_lldp_at_all() -> None:
    assert guess(MachineView(), RULES).flags == ("no LLDP neighbour heard",)


def test_real_lldpd_output_and_a_real_qemu_capture_through_the_parser() -> None:
    """lldpd between two network namespaces (fixtures/hardware/lldpd-netns) hears
    leaf01.example.net on veth-host swp7 and veth-host2 swp8; the QEMU capture's
    eth0 has carrier and hears nothing, eth1 and eth2 have no carrier."""
    files = fixture_files("qemu-q35-fake-server") | fixture_files("lldpd-netns")
    view = from_facts(parse_report(files))
    lab = load_text(
        r"""
switches:
  table:
    leaf01.example.net: {dc: lab, row: a, rack: '1', location: zone1,
                         position: {port: 'swp(?P<u>\d+)'}}
""",
        "lab.yaml",
    )
    assert lab.switches is not None
    rules = compile_rules(lab.switches)
    assert guess(view, rules).flags == ("no LLDP on link-up NIC eth0",)
    cabled = MachineView(nics=view.nics[1:], neighbours=view.neighbours)
    assert guess(cabled, rules).place == Place("lab", "a", "1", 7, "zone1", None)
