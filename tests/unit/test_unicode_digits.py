"""Numbers in what an agent sends or an operator writes are ASCII digits.

``str.isdigit()`` also takes "²" and "③", which ``int()`` refuses (a crash),
and other scripts' digits, which ``int()`` reads as ASCII ones ("١٢" is 12).
Neither is a number in a tool's output or a switch's port name.
"""

from __future__ import annotations

import json

from oci.enrolment.ipam import NicSpeed, resolve_interface
from oci.ingest.lldp import parse_lldp_json
from oci.ingest.lscpu import parse_lscpu_text
from oci.ingest.report import parse_report
from oci.ingest.values import parse_int
from oci.inventory.view import MachineView, NeighbourView, NicView
from oci.matching.profiles import load_text
from oci.matching.racking import compile_rules, guess
from tests.helpers.reports import fixture_files

SUPERSCRIPT_TWO = "\u00b2"
ARABIC_INDIC_12 = "\u0661\u0662"


def test_a_digit_string_is_ascii() -> None:
    assert parse_int(" 12 ") == 12
    assert parse_int(SUPERSCRIPT_TWO) is None
    assert parse_int(ARABIC_INDIC_12) is None


def test_lscpu_counts_of_other_digits_are_unknown() -> None:
    text = f"Architecture: x86_64\nSocket(s): {SUPERSCRIPT_TWO}\nCPU(s): {ARABIC_INDIC_12}\n"
    result = parse_lscpu_text(text)
    assert (result.architecture, result.cpu.sockets, result.cpu.threads) == ("x86_64", None, None)


def test_an_lldp_vlan_of_other_digits_is_no_vlan() -> None:
    def vlan(vlan_id: str) -> int | None:
        neighbour = {
            "chassis": {"id": {"type": "local", "value": "FOC1234X0AB"}},
            "port": {"id": {"type": "ifname", "value": "swp1"}},
            "vlan": [{"vlan-id": vlan_id, "pvid": True}],
        }
        document = {"lldp": {"interface": {"eno1": neighbour}}}
        return parse_lldp_json(json.dumps(document)).neighbours[0].vlan

    assert vlan("10") == 10
    assert vlan(SUPERSCRIPT_TWO) is None
    assert vlan(ARABIC_INDIC_12) is None


def test_a_bad_thread_count_does_not_lose_the_rest_of_dmidecode() -> None:
    files = fixture_files("dell-poweredge-r740-4da16fd4")
    files["dmidecode.txt"] = files["dmidecode.txt"].replace(
        "Thread Count: 48", f"Thread Count: {SUPERSCRIPT_TWO}"
    )
    facts = parse_report(files)
    plain = parse_report(fixture_files("dell-poweredge-r740-4da16fd4"))
    assert (facts.system, facts.dimms) == (plain.system, plain.dimms)  # dmidecode kept whole
    assert facts.cpu == plain.cpu  # lscpu counts the threads
    assert facts.problems == ()


def test_an_exit_code_of_other_digits_is_a_bad_commands_line() -> None:
    for code in (SUPERSCRIPT_TWO, "-" + SUPERSCRIPT_TWO, ARABIC_INDIC_12):
        facts = parse_report({"commands.txt": f"0 lscpu\n{code} lspci\n"})
        assert [c.name for c in facts.commands] == ["lscpu"], code
        assert "commands.txt: 1 line(s) not '<exit code> NAME' (first: line 2)" in facts.problems


RULES = r"""
switches:
  patterns:
    - regex: '^(?P<dc>dc\d)-(?P<row>r\d)-(?P<rack>k\d)(-u(?P<u>\w+))?$'
      position: {port: '^swp(?P<u>\w+)$'}
"""


def test_a_u_position_of_other_digits_is_no_u() -> None:
    document = load_text(RULES, "rules.yaml")
    assert document.switches is not None
    rules = compile_rules(document.switches)

    def u_of(switch: str, port: str) -> int | None:
        seen = MachineView(
            nics=(NicView("eno1", True, 25_000, "ConnectX-6", True),),
            neighbours=(NeighbourView("eno1", switch, port),),
        )
        place = guess(seen, rules).place
        assert place is not None and place.rack == "k5"
        return place.u_position

    assert (u_of("dc1-r2-k5", "swp12"), u_of("dc1-r2-k5-u7", "swp12")) == (12, 7)
    for odd in (SUPERSCRIPT_TWO, ARABIC_INDIC_12):
        assert u_of("dc1-r2-k5", f"swp{odd}") is None
        assert u_of(f"dc1-r2-k5-u{odd}", f"swp{odd}") is None


def test_a_nic_name_with_other_digits_sorts_without_crashing() -> None:
    nics = [NicSpeed(f"eth1{SUPERSCRIPT_TWO}", 25_000), NicSpeed("eth1", 25_000)]
    nics += [NicSpeed(f"eth{ARABIC_INDIC_12}", 25_000)]
    assert resolve_interface("25g1", nics) == "eth1"
    assert resolve_interface("25g2", nics) == f"eth1{SUPERSCRIPT_TWO}"
