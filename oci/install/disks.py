"""Which disks hold the system (pure): shared by the installer's plan and the ENC.

The installer wipes them; the ENC hands every other disk to Ceph, Swift or
Cinder, so the two must agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MIN_DISK_BYTES = 8 * 2**30
_DISK = re.compile(r"^[a-z][a-z0-9]{1,31}$")  # a kernel name: sda, nvme0n1, vdb


def natural(name: str) -> list[object]:
    """Sort key: sdb before sdaa, nvme2n1 before nvme10n1."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def system_disk_names(
    disks: Sequence[tuple[str, int, str | None]],
    install_on_raid: bool,
    raid_devices: Sequence[str],
    dest_blk: str | None = None,
) -> tuple[str, ...]:
    """The system disks among (name, size in bytes, transport): the RAID members, the
    disk the operator named (machine-set --dest-blk, when the machine has it), or
    the smallest disk that can hold the system (servers keep their large disks for
    data and have a small one, or a pair, for the OS). Empty when none fits."""
    if install_on_raid:
        return tuple(raid_devices)
    if dest_blk:
        return (dest_blk,) if any(name == dest_blk for name, _, _ in disks) else ()
    usable = [
        (name, size)
        for name, size, transport in disks
        if transport != "usb" and size >= MIN_DISK_BYTES and _DISK.match(name)
    ]
    if not usable:
        return ()
    return (min(usable, key=lambda d: (d[1], natural(d[0])))[0],)
