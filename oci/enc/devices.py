"""Which of a machine's disks are data disks: all but the system's (pure).

Swift stores, Ceph OSD nodes, volume nodes and hyper-converged computes hand
their data disks to the module as ``block_devices`` (kernel names). The system
disks are the ones the installer takes (oci.install.plan.disk_layout): the
RAID members when the machine installs on RAID, else the disk of machine-set
--dest-blk, else the smallest disk that can hold the system.
"""

from __future__ import annotations

from collections.abc import Iterable

from oci.enc.snapshot import Disk
from oci.enrolment.options import MachineSettings
from oci.install.disks import natural, system_disk_names


def data_disks(disks: Iterable[Disk], settings: MachineSettings) -> list[str]:
    found = list(disks)
    system = set(
        system_disk_names(
            [(d.name, d.size_bytes, d.transport) for d in found],
            bool(settings.install_on_raid),
            list(settings.raid_devices),
            settings.dest_blk,
        )
    )
    return sorted(
        (d.name for d in found if d.name not in system and d.transport != "usb"),
        key=natural,
    )
