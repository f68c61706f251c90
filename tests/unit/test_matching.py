"""Matching: the example profile set on the real fixture machines, explained.

The fixture machines are real (dmidecode/lscpu from linuxhw): their product,
manufacturer, architecture, CPU and RAM come from parsing those files. linuxhw
publishes no lsblk or ip link for them, so each machine gets the disks, NICs
and GPUs it is built with in the role it plays (the GPUs from the real lspci
lines in fixtures/hardware/_gpu); the expected winner is stated per machine.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from oci.ingest.report import parse_report
from oci.inventory.view import DiskView, GpuView, MachineView, NicView, from_facts
from oci.matching.match import compile_profiles, match
from oci.matching.profiles import example_text, load_text
from tests.helpers.reports import fixture_files

EXAMPLES = compile_profiles(load_text(example_text(), "examples.yaml").profiles)

TB, GB = 10**12, 10**9
H100 = GpuView("10de:2330", "GH100 [H100 SXM5 80GB]")  # _gpu/linuxhw-hpe-cray-xd665
A100 = GpuView("10de:20f1", "GA100 [A100 PCIe 40GB]")  # _gpu/openstack-cyborg
T4 = GpuView("10de:1eb8", "TU104GL [Tesla T4]")  # _gpu/kubevirt-user-guide


def disks(kind: str, count: int, size: int, prefix: str) -> tuple[DiskView, ...]:
    if kind == "nvme":
        return tuple(DiskView(f"nvme{i}n1", kind, size) for i in range(count))
    return tuple(DiskView(f"{prefix}{chr(ord('a') + i)}", kind, size) for i in range(count))


def boot_ssds(count: int = 2) -> tuple[DiskView, ...]:
    return disks("ssd", count, 480_103_981_056, "sd")


def nics(
    count: int, speed: int, model: str = "MT2892 Family [ConnectX-6 Dx]", first: int = 0
) -> tuple[NicView, ...]:
    return tuple(
        NicView(f"ens{i}f0", True, speed, model, True) for i in range(first, first + count)
    )


def fixture(folder: str, **parts: Any) -> MachineView:
    """The real machine's parsed facts, with the components given."""
    view = from_facts(parse_report(fixture_files(folder)))
    return dataclasses.replace(view, has_bmc=True, **parts)


# (fixture, components, expected winner, why)
CASES = [
    (
        "hpe-cray-xd665-64bb2de4",
        {
            "gpus": (H100,) * 8,
            "disks": disks("nvme", 2, 3_840_755_982_336, ""),
            "nics": nics(2, 100_000),
        },
        "gpu-compute-h100",
        "8x H100 SXM5, 1.5TiB RAM",
    ),
    (
        "supermicro-as-4124gs-tnr-7104941b",
        {"gpus": (A100,) * 4, "disks": boot_ssds(), "nics": nics(2, 25_000)},
        "gpu-compute-a100",
        "GPU platform with A100 PCIe, 1TiB RAM",
    ),
    (
        "gigabyte-g482-z54-7ca16e0b",
        {"gpus": (T4,) * 8, "disks": boot_ssds(), "nics": nics(2, 25_000)},
        "gpu-compute-t4",
        "8-GPU platform with T4 cards, 256GiB RAM",
    ),
    (
        "dell-poweredge-r7525-ffbad714",
        {"disks": boot_ssds() + disks("nvme", 8, 3_840_755_982_336, ""), "nics": nics(2, 25_000)},
        "ceph-osd-nvme",
        "EPYC, 512GiB, 8x 3.84TB NVMe",
    ),
    (
        "lenovo-thinksystem-sr645-d7703201",
        {"disks": boot_ssds() + disks("nvme", 4, 7_680_000_000_000, ""), "nics": nics(2, 100_000)},
        "ceph-osd-nvme",
        "1U EPYC, 512GiB, 4x 7.68TB NVMe",
    ),
    (
        "hpe-proliant-dl380-gen10-e9f33a82",
        {
            "disks": boot_ssds()
            + disks("hdd", 12, 16 * TB, "sd")[2:]
            + disks("hdd", 2, 16 * TB, "sdz"),
            "nics": nics(2, 25_000),
        },
        "swift-store-hdd",
        "2U, 192GiB, 12x 16TB HDD",
    ),
    (
        "lenovo-thinksystem-hr630x-b51c5a64",
        {"disks": boot_ssds(), "nics": nics(2, 25_000) + nics(2, 1000, "I350", first=2)},
        "network-node",
        "1U HR630X, 96GiB, 2x 25Gb",
    ),
    (
        "dell-poweredge-r740-4da16fd4",
        {"disks": boot_ssds(), "nics": nics(2, 10_000, "BCM57416")},
        "controller",
        "96GiB, 2 boot SSDs, 24 cores",
    ),
    (
        "dell-poweredge-r750-d1750e58",
        {"disks": boot_ssds(), "nics": nics(2, 25_000)},
        "compute",
        "1TiB RAM, 40 cores, no GPU",
    ),
    (
        "supermicro-sys-2049u-tr4-13107e8a",
        {"disks": boot_ssds(), "nics": nics(2, 25_000)},
        "compute",
        "4 sockets, 72 cores, 384GiB",
    ),
    (
        "huawei-taishan-200-2280-d4c1a2bb",
        {"disks": boot_ssds(), "nics": nics(2, 25_000)},
        "compute-arm",
        "Kunpeng 920, aarch64, 256GiB",
    ),
    (
        "gigabyte-e252-p30-ampere-513b50b6",
        {"disks": boot_ssds(), "nics": nics(2, 25_000)},
        "compute-arm",
        "Ampere Altra, aarch64, 256GiB",
    ),
]


@pytest.mark.parametrize(("folder", "parts", "winner", "why"), CASES, ids=[c[0] for c in CASES])
def test_the_example_profiles_on_the_fixture_machines(
    folder: str, parts: dict[str, object], winner: str, why: str
) -> None:
    outcome = match(fixture(folder, **parts), EXAMPLES)
    assert (outcome.status, outcome.winner) == ("matched", winner), (
        why,
        [(r.name, [c.text for c in r.checks if not c.ok]) for r in outcome.results],
    )


def test_a_machine_with_both_many_nvme_and_many_hdds_is_ambiguous_never_guessed() -> None:
    view = fixture(
        "dell-poweredge-r7525-ffbad714",
        disks=boot_ssds()
        + disks("nvme", 6, 3_840_755_982_336, "")
        + disks("hdd", 10, 8 * TB, "sdc"),
        nics=nics(2, 25_000),
    )
    outcome = match(view, EXAMPLES)
    assert outcome.status == "ambiguous" and outcome.winner is None
    assert outcome.ambiguous == ("ceph-osd-nvme", "swift-store-hdd")


def test_every_condition_is_explained_with_the_value_seen() -> None:
    view = fixture("dell-poweredge-r740-4da16fd4", disks=boot_ssds(), nics=nics(2, 10_000, "X"))
    results = {r.name: r for r in match(view, EXAMPLES).results}
    ceph = {c.field: c for c in results["ceph-osd-nvme"].checks}
    assert ceph["ram.min"].text == "ram 96GiB < min 128GiB" and not ceph["ram.min"].ok
    assert not ceph["disks.nvme"].ok
    assert ceph["disks.nvme"].text == "disks.nvme 0, not min 4 of 1.6TB..16TB"
    assert ceph["nics"].text == ("nics 0 of (2x 10Gb), not min 2 at >= 25Gb")
    assert ceph["gpus"].ok and ceph["gpus"].text == "gpus 0 of (none), is exactly 0"
    controller = {c.field: c for c in results["controller"].checks}
    assert all(c.ok for c in controller.values())
    assert controller["ram.min"].text == "ram 96GiB >= min 64GiB"
    assert controller["cpu.cores"].text == "cpu.cores 24 >= min 16"
    assert controller["bmc"].text == "bmc present, wanted present"
    network = {c.field: c for c in results["network-node"].checks}
    assert network["product"].text == (
        "product 'PowerEdge R740' matches none of 'HR630X', 'ThinkSystem SR630*', "
        "'PowerEdge R6[56]0'"
    )


def test_elimination_then_priority() -> None:
    profiles = load_text(
        """
profiles:
  - {name: any-dell, role: compute, priority: 10, match: {manufacturer: "dell*"}}
  - {name: big-dell, role: compute, priority: 20, match: {manufacturer: "Dell*", ram: {min: 1TiB}}}
  - {name: small, role: controller, priority: 30, match: {ram: {max: 128GiB}}}
""",
        "t.yaml",
    ).profiles
    compiled = compile_profiles(profiles)
    r750 = fixture("dell-poweredge-r750-d1750e58")  # 1TiB
    assert match(r750, compiled).winner == "big-dell"
    assert match(r750, compiled).candidates == ("big-dell", "any-dell")
    r740 = fixture("dell-poweredge-r740-4da16fd4")  # 96GiB
    assert match(r740, compiled).winner == "small"
    assert match(fixture("huawei-taishan-200-2280-d4c1a2bb"), compiled).status == "none"


def test_counts_exact_min_max_and_sizes() -> None:
    profiles = load_text(
        """
profiles:
  - name: exactly-two-ssd
    role: controller
    match: {disks: {ssd: {count: 2, size: 400GB..500GB}}}
  - name: up-to-three-nvme
    role: compute
    match: {disks: {nvme: {count: {max: 3}}, any: {count: {min: 3}}}}
""",
        "t.yaml",
    ).profiles
    compiled = compile_profiles(profiles)
    two = MachineView(disks=boot_ssds() + disks("nvme", 1, TB, ""))
    results = {r.name: r.passed for r in match(two, compiled).results}
    assert results == {"exactly-two-ssd": True, "up-to-three-nvme": True}
    three = MachineView(disks=boot_ssds(3) + disks("nvme", 4, TB, ""))
    results = {r.name: r.passed for r in match(three, compiled).results}
    assert results == {"exactly-two-ssd": False, "up-to-three-nvme": False}
