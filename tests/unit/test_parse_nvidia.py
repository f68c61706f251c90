"""nvidia-smi -q -x parser (constructed input, see constructed-gpu-server/SOURCE.txt) and
/proc/meminfo (real, this VM)."""

from __future__ import annotations

import pytest

from oci.ingest.meminfo import parse_meminfo
from oci.ingest.nvidia import NvidiaGpu, parse_nvidia_smi
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES


def test_nvidia_smi_gpus() -> None:
    gpus = parse_nvidia_smi((FIXTURES / "constructed-gpu-server" / "nvidia-smi.xml").read_text())
    assert gpus == [
        NvidiaGpu(
            pci_address="0000:04:00.0",  # from "00000000:04:00.0"
            product_name="NVIDIA H100 80GB HBM3",
            vendor_id="10de",
            device_id="2330",  # pci_device_id "233010DE": device then vendor
            serial="1650123456789",
            uuid="GPU-4e1b7a6c-2f0d-4c1a-9b8e-0a1b2c3d4e5f",
            vbios_version="96.00.74.00.0D",
        ),
        NvidiaGpu(
            pci_address="0000:d0:00.0",
            product_name="NVIDIA A30X",
            vendor_id="10de",
            device_id="20b9",
            serial="1322123456789",
            uuid="GPU-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            vbios_version="92.00.9E.00.02",
        ),
    ]


@pytest.mark.parametrize("text", ["", "<nvidia_smi_log><gpu>", "garbage", "<other/>"])
def test_nvidia_smi_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_nvidia_smi(text)


def test_meminfo_of_this_vm() -> None:
    # "MemTotal:       24684092 kB"
    assert parse_meminfo((FIXTURES / "sandbox-vm-virtio" / "meminfo.txt").read_text()) == (
        24684092 * 1024
    )


@pytest.mark.parametrize("text", ["", "garbage", "MemTotal: lots\n", "MemFree: 1 kB\n"])
def test_meminfo_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_meminfo(text)
