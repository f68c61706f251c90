"""lscpu parser: the 8 real machine captures (plain lscpu) and this VM's lscpu / lscpu -J.

Expected values read off the raw files: cores = Socket(s) x Core(s) per socket.
"""

from __future__ import annotations

import json

import pytest

from oci.ingest.lscpu import parse_lscpu_json, parse_lscpu_text
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES

# folder: (architecture, model, vendor, sockets, cores, threads)
MACHINES = {
    # One socket populated (dmidecode agrees: CPU2 Unpopulated), despite "2x" in the index.
    "dell-poweredge-r740-4da16fd4": (
        "x86_64",
        "Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz",
        "GenuineIntel",
        1,
        24,
        48,
    ),
    "dell-poweredge-r7525-ffbad714": (
        "x86_64",
        "AMD EPYC 7302 16-Core Processor",
        "AuthenticAMD",
        2,
        32,
        64,
    ),
    "hpe-proliant-dl380-gen10-e9f33a82": (
        "x86_64",
        "Intel(R) Xeon(R) Gold 6142 CPU @ 2.60GHz",
        "GenuineIntel",
        2,
        32,
        64,
    ),
    "lenovo-thinksystem-sr645-d7703201": (
        "x86_64",
        "AMD EPYC 7642 48-Core Processor",
        "AuthenticAMD",
        2,
        96,
        192,
    ),
    "lenovo-thinksystem-hr630x-b51c5a64": (
        "x86_64",
        "Intel(R) Xeon(R) Gold 6140 CPU @ 2.30GHz",
        "GenuineIntel",
        2,
        36,
        72,
    ),
    "supermicro-sys-2049u-tr4-13107e8a": (
        "x86_64",
        "Intel(R) Xeon(R) Gold 6240 CPU @ 2.60GHz",
        "GenuineIntel",
        4,
        72,
        144,
    ),
    "gigabyte-g482-z54-7ca16e0b": (
        "x86_64",
        "AMD EPYC 7302 16-Core Processor",
        "AuthenticAMD",
        2,
        32,
        64,
    ),
    "huawei-taishan-200-2280-d4c1a2bb": ("aarch64", "Kunpeng-920", "HiSilicon", 2, 96, 96),
    # This VM (lscpu from util-linux 2.38.1).
    "sandbox-vm-virtio": ("x86_64", "Intel(R) Xeon(R) Processor", "GenuineIntel", 1, 2, 2),
}


def test_every_capture_is_covered() -> None:
    folders = {p.parent.name for p in FIXTURES.glob("*/lscpu.txt")}
    assert {f for f in folders if not f.startswith("qemu-")} == set(MACHINES)


@pytest.mark.parametrize("folder", sorted(MACHINES))
def test_plain_lscpu(folder: str) -> None:
    result = parse_lscpu_text((FIXTURES / folder / "lscpu.txt").read_text())
    cpu = result.cpu
    assert (result.architecture, cpu.model, cpu.vendor, cpu.sockets, cpu.cores, cpu.threads) == (
        MACHINES[folder]
    )


def test_lscpu_json_of_this_vm() -> None:
    result = parse_lscpu_json((FIXTURES / "sandbox-vm-virtio" / "lscpu.json").read_text())
    cpu = result.cpu
    assert (result.architecture, cpu.model, cpu.vendor, cpu.sockets, cpu.cores, cpu.threads) == (
        MACHINES["sandbox-vm-virtio"]
    )


def test_lscpu_json_with_sections() -> None:
    """Constructed in the util-linux >= 2.39 shape: fields nested under "children"."""
    data = {
        "lscpu": [
            {"field": "Architecture:", "data": "aarch64"},
            {"field": "CPU(s):", "data": "80"},
            {
                "field": "Vendor ID:",
                "data": "ARM",
                "children": [
                    {
                        "field": "Model name:",
                        "data": "Neoverse-N1",
                        "children": [
                            {"field": "Core(s) per socket:", "data": "80"},
                            {"field": "Socket(s):", "data": "1"},
                        ],
                    }
                ],
            },
        ]
    }
    cpu = parse_lscpu_json(json.dumps(data)).cpu
    assert (cpu.vendor, cpu.model, cpu.sockets, cpu.cores, cpu.threads) == (
        "ARM",
        "Neoverse-N1",
        1,
        80,
        80,
    )


def test_socket_dash_falls_back_to_clusters() -> None:
    """Constructed: some ARM kernels print "Socket(s): -" and count clusters instead."""
    text = "Architecture: aarch64\nCPU(s): 64\nCore(s) per cluster: 32\nSocket(s): -\n"
    text += "Cluster(s): 2\nCore(s) per socket: 32\n"
    cpu = parse_lscpu_text(text).cpu
    assert (cpu.sockets, cpu.cores, cpu.threads) == (2, 64, 64)


@pytest.mark.parametrize("text", ["", "garbage", "Foo: bar\n"])
def test_not_lscpu_text(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lscpu_text(text)


@pytest.mark.parametrize("text", ["", '{"lscpu": [', "[]", '{"lscpu": "x"}'])
def test_not_lscpu_json(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lscpu_json(text)
