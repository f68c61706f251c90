"""One-line summaries of a machine's hardware, as an operator reads them (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

DISK_KIND_ORDER = {"hdd": 0, "ssd": 1, "nvme": 2, "other": 3}
# Display controllers that are not GPUs: the BMC's own video (ASPEED, Matrox).
BMC_VIDEO_VENDORS = frozenset({"1a03", "102b"})


class DiskLike(Protocol):
    size_bytes: int
    kind: str


class NicLike(Protocol):
    speed_mbps: int | None
    physical: bool


class PciLike(Protocol):
    class_id: str | None
    vendor_id: str
    device_id: str
    vendor_name: str | None
    device_name: str | None


def decimal_size(size_bytes: int) -> str:
    """Disk sizes the way vendors print them: 480G, 3.8T, 16T."""
    for unit, scale in (("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6)):
        if size_bytes >= scale:
            value = size_bytes / scale
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return text.removesuffix(".0") + unit
    return f"{size_bytes}B"


def binary_size(size_bytes: int) -> str:
    """Memory sizes: 512GiB, 1.5TiB."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if size_bytes >= scale:
            value = size_bytes / scale
            return f"{value:.1f}".removesuffix(".0") + unit
    return f"{size_bytes}B"


def disk_summary(disks: Iterable[DiskLike]) -> str:
    groups = Counter((disk.kind, decimal_size(disk.size_bytes), disk.size_bytes) for disk in disks)
    merged: Counter[tuple[str, str]] = Counter()
    order: dict[tuple[str, str], int] = {}
    for (kind, size, raw), count in groups.items():
        merged[(kind, size)] += count
        order[(kind, size)] = max(order.get((kind, size), 0), raw)
    keys = sorted(merged, key=lambda k: (DISK_KIND_ORDER.get(k[0], 9), order[k]))
    return ", ".join(f"{merged[k]}x{k[1]} {k[0]}" for k in keys)


def nic_summary(nics: Iterable[NicLike]) -> str:
    """Physical NICs by speed, fastest first: ``2x25G, 2x1G``."""
    speeds = Counter(nic.speed_mbps for nic in nics if nic.physical)
    keys = sorted(speeds, key=lambda s: -(s or 0))

    def label(speed: int | None) -> str:
        if not speed:
            return "?"
        return f"{speed // 1000}G" if speed >= 1000 else f"{speed}M"

    return ", ".join(f"{speeds[s]}x{label(s)}" for s in keys)


def is_gpu(device: PciLike) -> bool:
    return (device.class_id or "").startswith("03") and device.vendor_id not in BMC_VIDEO_VENDORS


def gpu_summary(devices: Iterable[PciLike]) -> str:
    """``2x NVIDIA T4 (10de:1eb8)``: GPUs by model, with their PCI IDs."""
    models = Counter(
        (device.device_name or "unknown GPU", f"{device.vendor_id}:{device.device_id}")
        for device in devices
        if is_gpu(device)
    )
    return ", ".join(f"{count}x {name} ({ids})" for (name, ids), count in sorted(models.items()))
