"""OCI's own agent's report (openstack-cluster-installer-agent 42.2.5) -> facts.

report.json is that agent's output captured on this VM (SOURCE.txt says how);
report-megaraid.json is the same report with a MegaRAID and its drives, as
the agent writes them. Hostile variants are built from report.json.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from oci.ingest.archive import MalformedUpload, ReportRejected
from oci.ingest.checks import Bounds
from oci.ingest.oci_json import parse_oci_report
from tests.helpers.paths import TESTS

AGENT = TESTS / "fixtures" / "oci-42.2.5" / "agent-report"
CAPTURED = (AGENT / "report.json").read_bytes()
MEGARAID = (AGENT / "report-megaraid.json").read_bytes()


def _report(**changes: Any) -> bytes:
    data = json.loads(CAPTURED)
    data.update(changes)
    return json.dumps(data).encode()


def test_the_captured_report_gives_the_machine_its_disks_nics_and_switches() -> None:
    files, facts = parse_oci_report(CAPTURED)
    system = facts.system
    assert (system.serial, system.manufacturer, system.product_name) == (
        "J7XK2M3",
        "Dell Inc.",
        "PowerEdge R740",
    )
    assert (system.bios_version, system.firmware, system.secure_boot) == ("2.7.7", "bios", False)
    # The agent sums the DIMMs in MiB: 98304 MiB.
    assert facts.memory_bytes == 96 << 30
    assert (facts.cpu.sockets, facts.cpu.cores, facts.cpu.threads) == (1, 2, 2)
    assert facts.cpu.mhz is None  # this lscpu prints no "CPU MHz:" line: the agent sent ""
    # zram0 has size "0" (no medium): not a disk. The virtio disk is.
    assert [(d.name, d.size_bytes, d.model) for d in facts.disks] == [("vda", 256 << 30, None)]
    assert [(n.name, n.mac, n.driver, n.firmware_version, n.physical) for n in facts.nics] == [
        ("eno1", "e4:43:4b:a2:1c:40", "veth", "1.0", True),
        ("eno2", "e4:43:4b:a2:1c:41", "veth", "1.0", True),
    ]
    assert [(n.interface, n.switch_name, n.port_id) for n in facts.lldp] == [
        ("eno1", "leaf01.example.net", "swp7"),
        ("eno2", "leaf01.example.net", "swp8"),
    ]
    [controller] = facts.controllers
    assert (controller.kind, controller.vendor, controller.model) == (
        "other",
        "Red Hat Inc.",
        "Virtio 1.0 block device",
    )
    assert controller.firmware_version is None  # the agent's "0.0.0": none known
    assert facts.bmc is None  # no BMC here: both IPMI fields are empty
    assert facts.raid_drives == ()
    # No phys-blockdevices section: the RAID drives already known stay.
    assert sorted(files) == [
        "oci:blkdev_ctrl",
        "oci:blockdevices",
        "oci:interfaces",
        "oci:machine",
        "oci:memory",
    ]


def test_a_megaraid_report_gives_the_controller_and_the_drives_behind_it() -> None:
    files, facts = parse_oci_report(MEGARAID)
    assert "oci:phys-blockdevices" in files
    assert [(c.name, c.kind, c.model, c.firmware_version) for c in facts.controllers] == [
        ("ctrl0", "megaraid", "MegaRAID SAS-3 3108 [Invader]", "25.5.6.0009"),
        ("ctrl1", "ahci", "C620 Series Chipset Family SATA Controller [AHCI mode]", None),
    ]
    drives = [(d.slot, d.size_bytes, d.state, d.serial, d.controller) for d in facts.raid_drives]
    assert drives == [
        ("0", 240057409536, "Online", "PHYF9123004Z240AGN", "ctrl0"),
        ("1", 240057409536, "Online", "PHYF91230051240AGN", "ctrl0"),
        ("2", 960197124096, "Online", "S45NNE0M800123", "ctrl0"),
        ("3", 960197124096, "Unconfigured(good)", "S45NNE0M800124", "ctrl0"),
    ]
    assert (facts.system.firmware, facts.system.secure_boot) == ("uefi", True)
    assert facts.bmc is not None
    assert (facts.bmc.ip_address, facts.bmc.firmware_version) == ("10.3.1.21", "4.40.00.00")


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b"serial=J7XK2M3", MalformedUpload, "not JSON"),
        (b"\xff\xfe{}", MalformedUpload, "not UTF-8"),
        (b"[]", ReportRejected, "not an object"),
        (b"[" * 100_000 + b"]" * 100_000, ReportRejected, "nests deeper"),
        (_report(machine=[]), ReportRejected, "machine: OCI's agent always sends"),
        (_report(machine={"serial": "X"}), ReportRejected, "machine: a list of objects"),
        (_report(memory=[{"size": 98304}]), ReportRejected, "memory[0].size: a string"),
        (_report(memory=[{"size": "96 GB"}]), ReportRejected, "memory[0].size: not a number"),
        (
            _report(interfaces=[{"name": "eno1", "macaddr": "not-a-mac", "max_speed": "1"}]),
            ReportRejected,
            "interfaces[0]: a name and a MAC",
        ),
        (
            _report(blockdevices=[{"name": "sda", "size": ["1"]}]),
            ReportRejected,
            "blockdevices[0].size: a string is expected, not list",
        ),
        (
            _report(blockdevices=[{"name": "sda", "size": "9" * 30}]),
            ReportRejected,
            "blockdevices[0].size: 9999",
        ),
    ],
)
def test_what_is_not_ocis_report_is_refused_naming_the_field(
    body: bytes, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        parse_oci_report(body)
    assert type(raised.value) is error
    assert message in str(raised.value)


def test_lists_longer_than_the_bounds_are_refused_before_any_fact_is_made() -> None:
    nic = {"name": "eno1", "macaddr": "e4:43:4b:a2:1c:40", "max_speed": "1000"}
    body = _report(interfaces=[nic] * 3)
    with pytest.raises(ReportRejected, match="interfaces lists 3 entries; at most 2"):
        parse_oci_report(body, Bounds(nics=2))
    drive = {"slot": "1", "model": "m", "serial": "s", "size": "1", "state": "Online"}
    with pytest.raises(ReportRejected, match="phys-blockdevices lists 1025 entries"):
        parse_oci_report(_report(**{"phys-blockdevices": [drive] * 1025}))
