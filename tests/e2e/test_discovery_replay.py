"""Every captured machine, replayed by the real agent into a live server, reads
back through ocicli as a person reading its raw outputs would describe it.

The published machines' serials and UUIDs are masked at their source and they
come without `ip link` output, so each replay gets one made-up PCI NIC: the
machine is then known by that MAC (the masked "--" serial is a placeholder).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.commands import Command
from tests.helpers.paths import FIXTURES
from tests.helpers.reports import ip_link
from tests.helpers.server import LiveServer

AGENT = Path(sys.executable).parent / "oci-agent"

# folder: (manufacturer, product, architecture, CPU model, RAM), read off the
# raw dmidecode / lscpu text of each machine.
MACHINES = {
    "dell-poweredge-r740-4da16fd4": (
        "Dell Inc.", "PowerEdge R740", "x86_64",
        "Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz", "96GiB",
    ),
    "dell-poweredge-r750-d1750e58": (
        "Dell Inc.", "PowerEdge R750", "x86_64",
        "Intel(R) Xeon(R) Silver 4316 CPU @ 2.30GHz", "1TiB",
    ),
    "dell-poweredge-r7525-ffbad714": (
        "Dell Inc.", "PowerEdge R7525", "x86_64", "AMD EPYC 7302 16-Core Processor", "512GiB",
    ),
    "gigabyte-e252-p30-ampere-513b50b6": (
        "GIGABYTE", "E252-P30-00", "aarch64", "Ampere(R) Altra(R) Processor", "256GiB",
    ),
    "gigabyte-g482-z54-7ca16e0b": (
        "GIGABYTE", "G482-Z54-00", "x86_64", "AMD EPYC 7302 16-Core Processor", "256GiB",
    ),
    "hpe-cray-xd665-64bb2de4": (
        "HPE", "HPE Cray SC XD665", "x86_64", "AMD EPYC 9354 32-Core Processor", "1.5TiB",
    ),
    "hpe-proliant-dl380-gen10-e9f33a82": (
        "HPE", "ProLiant DL380 Gen10", "x86_64",
        "Intel(R) Xeon(R) Gold 6142 CPU @ 2.60GHz", "192GiB",
    ),
    "huawei-taishan-200-2280-d4c1a2bb": (
        "Huawei", "TaiShan 200 (Model 2280)", "aarch64", "Kunpeng-920", "256GiB",
    ),
    "lenovo-thinksystem-hr630x-b51c5a64": (
        "Lenovo", "HR630X", "x86_64", "Intel(R) Xeon(R) Gold 6140 CPU @ 2.30GHz", "96GiB",
    ),
    "lenovo-thinksystem-sr645-d7703201": (
        "Lenovo", "ThinkSystem SR645", "x86_64", "AMD EPYC 7642 48-Core Processor", "512GiB",
    ),
    "supermicro-as-4124gs-tnr-7104941b": (
        "Supermicro", "AS -4124GS-TNR", "x86_64", "AMD EPYC 7763 64-Core Processor", "1TiB",
    ),
    "supermicro-sys-2049u-tr4-13107e8a": (
        "Supermicro", "SYS-2049U-TR4", "x86_64",
        "Intel(R) Xeon(R) Gold 6240 CPU @ 2.60GHz", "384GiB",
    ),
}  # fmt: skip


def replay(live_server: LiveServer, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AGENT), "--replay", str(folder), "--once", "--server", live_server.url],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def cli(token_cli: Command) -> Command:
    return token_cli


def test_every_published_machine_replays_into_the_inventory(
    live_server: LiveServer, cli: Command, tmp_path: Path
) -> None:
    for n, name in enumerate(sorted(MACHINES)):
        folder = tmp_path / name
        shutil.copytree(FIXTURES / name, folder)
        (folder / "ip-link.json").write_text(ip_link([("eno1", f"00:1b:21:40:00:{n:02x}")]))
        result = replay(live_server, folder)
        assert result.returncode == 0, f"{name}: {result.stderr}"
    listed = {m["product_name"]: m for m in cli.json("machine-list")}
    assert len(listed) == len(MACHINES)
    for name, (maker, product, arch, cpu, ram) in MACHINES.items():
        machine = listed[product]
        seen = (machine["manufacturer"], machine["architecture"], machine["cpu_model"])
        assert seen == (maker, arch, cpu), name
        assert machine["ram"] == ram, name
        assert machine["serial"] is None, name  # "--": masked, never an identity


def test_the_qemu_capture_replays_as_the_machine_qemu_was_asked_for(
    live_server: LiveServer, cli: Command
) -> None:
    """scripts/capture-qemu-hardware's -smbios, NVMe, SATA and NIC arguments
    (tests/fixtures/hardware/qemu-q35-fake-server/SOURCE.txt), read back."""
    result = replay(live_server, FIXTURES / "qemu-q35-fake-server")
    assert result.returncode == 0, result.stderr
    machine = cli.json("machine-show", "OCI-SN-0042")
    assert machine["manufacturer"] == "OCI Test Systems"
    assert machine["product_name"] == "FakeServer R640"
    assert machine["system_uuid"] == "4c4c4544-0042-3010-8053-b4c04f435a31"
    assert machine["sku"] == "SKU-OCI-2U"
    assert machine["bios_version"] == "2.4.1" and machine["bios_date"] == "03/14/2024"
    assert machine["cpu_threads"] == 2
    nics = {n["name"]: (n["mac"], n["driver"], n["is_physical"]) for n in machine["nic_list"]}
    assert nics == {
        "eth0": ("52:54:00:0c:10:01", "virtio_net", True),
        "eth1": ("52:54:00:0c:10:02", "e1000e", True),
        "eth2": ("52:54:00:0c:10:03", "e1000", True),
    }
    # QEMU's 52:54:00 prefix is locally administered: the serial identifies it.
    assert not any(n["identifies_machine"] for n in machine["nic_list"])
    assert machine["nics"] == "2x1G, 1x?"  # virtio-net reports no speed
    disks = {d["name"]: (d["kind"], d["size_bytes"]) for d in machine["disk_list"]}
    # QEMU's ide-hd reports a rotating disk whatever its model string says.
    assert disks == {"nvme0n1": ("nvme", 4 * 2**30), "sda": ("hdd", 2 * 2**30)}
    nvme = next(d for d in machine["disk_list"] if d["name"] == "nvme0n1")
    assert nvme["serial"] == "OCINVME0001"
    assert machine["bmc"]["firmware_version"] == "1.23"  # fwrev2=35 is BCD 0x23
    assert any(p.startswith("ipmitool-lan.txt: the tool failed") for p in machine["problems"])
