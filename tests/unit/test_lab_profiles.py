"""The lab's profiles (oci/matching/examples/lab.yaml) fit the lab's machines and cluster.

Matched and racked without booting: each fleet machine's view is what QEMU is
asked for (oci/lab/fleet.py), with the disk kinds a real QEMU guest reported
(tests/fixtures/hardware/qemu-q35-fake-server). tests/e2e/test_lab_pxe.py boots
them for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oci.ingest.report import parse_report
from oci.inventory.view import DiskView, MachineView, NeighbourView, NicView, from_facts
from oci.lab import enrol
from oci.lab.command import ATTACHMENTS, EXAMPLE
from oci.lab.fleet import LabMachine, fleet, machine_spec
from oci.matching import match as matching
from oci.matching import racking
from oci.matching.profiles import example_text, load_text
from tests.helpers.reports import fixture_files

LAB = load_text(enrol.lab_profiles_text(), "lab.yaml")
QEMU = from_facts(parse_report(fixture_files("qemu-q35-fake-server")))
# How a QEMU guest's disks come out of discovery: its SATA disk says it rotates.
KIND = {"nvme": "nvme", "sata": next(d.kind for d in QEMU.disks if d.name.startswith("sd"))}


def view(machine: LabMachine, memory_mib: int = 1024) -> MachineView:
    spec = machine_spec(machine, Path("/nonexistent"), "http://x/boot/ipxe", memory_mib=memory_mib)
    return MachineView(
        serial=spec.smbios.serial,
        manufacturer=spec.smbios.manufacturer,
        product_name=spec.smbios.product,
        architecture=QEMU.architecture,
        cpu_cores=spec.cpus,
        memory_bytes=spec.memory_mib << 20,
        disks=tuple(
            DiskView(f"disk{i}", KIND[disk.kind], disk.size_bytes)
            for i, disk in enumerate(spec.disks)
        ),
        nics=tuple(NicView(f"eth{i}", True, 1000, None, True) for i in range(len(spec.nics))),
        neighbours=tuple(
            NeighbourView(f"eth{i}", wire.switch, wire.port) for i, wire in enumerate(machine.wires)
        ),
    )


def test_the_sata_disk_of_a_qemu_guest_is_discovered_as_an_hdd() -> None:
    assert KIND["sata"] == "hdd"


@pytest.mark.parametrize("memory_mib", [1024, 2048])  # the initramfs, --live-image
def test_each_lab_machine_wins_its_profile_and_is_racked_in_zone1(memory_mib: int) -> None:
    machines = fleet(4, list(range(16)))
    lab_only = matching.compile_profiles(LAB.profiles)
    # the example profiles beside them claim none of the lab's machines
    examples = load_text(example_text(), "examples.yaml").profiles
    with_examples = matching.compile_profiles([*LAB.profiles, *examples])
    assert LAB.switches is not None
    rules = racking.compile_rules(LAB.switches)
    for machine in machines:
        seen = view(machine, memory_mib)
        expected = "lab-controller" if machine.product == "PowerEdge R640" else "lab-compute"
        for profiles in (lab_only, with_examples):
            outcome = matching.match(seen, profiles)
            assert (outcome.winner, outcome.candidates) == (expected, (expected,)), outcome
        guessed = racking.guess(seen, rules)
        assert guessed.place == racking.Place(
            "dc1", "2", "5", machine.index + 1, "zone1", "az-dc1-r2"
        ), guessed.flags
    assert [m.product for m in machines[:2]] == ["PowerEdge R640", "PowerEdge R740xd"]


def test_a_real_server_is_not_a_lab_machine() -> None:
    real = from_facts(parse_report(fixture_files("dell-poweredge-r740-4da16fd4")))
    outcome = matching.match(real, matching.compile_profiles(LAB.profiles))
    assert outcome.winner is None and outcome.candidates == ()
    checks = {c.field: c for r in outcome.results for c in r.checks}
    assert not checks["ram.max"].ok  # the ceiling that keeps the lab's profiles off servers


def test_the_lab_creates_the_cluster_and_zone_the_profiles_name() -> None:
    clusters = {body["name"] for kind, body in EXAMPLE if kind == "clusters"}
    locations = {body["name"] for kind, body in EXAMPLE if kind == "locations"}
    assert {p.cluster for p in LAB.profiles} <= clusters
    assert LAB.switches is not None
    assert {p.location for p in LAB.switches.patterns} <= locations
    # a network of that zone serves every role of the cluster: each gets an address
    zone_networks = {
        body["name"] for kind, body in EXAMPLE if kind == "networks" and body["location"] == "zone1"
    }
    assert any(
        name in zone_networks and body["role"] == "all" and body["cluster"] == "cl1"
        for name, body in ATTACHMENTS
    )


def test_the_profiles_file_is_installed_once(tmp_path: Path) -> None:
    directory = tmp_path / "profiles"
    assert enrol.install_profiles(directory) is True
    target = directory / enrol.PROFILES_FILE
    assert target.read_text() == enrol.lab_profiles_text()
    target.write_text("profiles: []\n")  # the operator's own
    assert enrol.install_profiles(directory) is False
    assert target.read_text() == "profiles: []\n"
    assert sorted(p.name for p in directory.iterdir()) == ["lab.yaml"]
