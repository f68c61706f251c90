"""The one-line hardware summaries of machine-list."""

from __future__ import annotations

from types import SimpleNamespace as NS

from oci.ingest import summary


def test_disks_grouped_by_kind_and_vendor_size() -> None:
    disks = [NS(kind="ssd", size_bytes=480_103_981_056)] * 2 + [
        NS(kind="nvme", size_bytes=3_840_755_982_336)
    ] * 8
    assert summary.disk_summary(disks) == "2x480G ssd, 8x3.8T nvme"


def test_large_and_odd_sizes() -> None:
    assert summary.decimal_size(16_000_900_661_248) == "16T"
    assert summary.decimal_size(1_920_383_410_176) == "1.9T"
    assert summary.decimal_size(512) == "512B"
    assert summary.binary_size(512 * 2**30) == "512GiB"
    assert summary.binary_size(1536 * 2**30) == "1.5TiB"


def test_nics_count_physical_only_fastest_first() -> None:
    nics = [
        NS(speed_mbps=1000, physical=True),
        NS(speed_mbps=25000, physical=True),
        NS(speed_mbps=25000, physical=True),
        NS(speed_mbps=None, physical=False),  # BMC USB NIC: not counted
    ]
    assert summary.nic_summary(nics) == "2x25G, 1x1G"


def test_gpus_exclude_bmc_video() -> None:
    devices = [
        NS(
            class_id="0302",
            vendor_id="10de",
            device_id="1eb8",
            vendor_name="NVIDIA",
            device_name="TU104GL [Tesla T4]",
        ),
        NS(
            class_id="0302",
            vendor_id="10de",
            device_id="1eb8",
            vendor_name="NVIDIA",
            device_name="TU104GL [Tesla T4]",
        ),
        NS(
            class_id="0300",
            vendor_id="1a03",
            device_id="2000",
            vendor_name="ASPEED",
            device_name="ASPEED Graphics Family",
        ),
        NS(
            class_id="0200",
            vendor_id="15b3",
            device_id="101b",
            vendor_name="Mellanox",
            device_name="MT28908 Family [ConnectX-6]",
        ),
    ]
    assert summary.gpu_summary(devices) == "2x TU104GL [Tesla T4] (10de:1eb8)"
