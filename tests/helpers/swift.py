"""A Swift cluster in memory for the ring tests: 3 stores of several disks in 2 zones."""

from __future__ import annotations

import dataclasses
from typing import Any

from oci.enc.snapshot import ClusterView, Disk
from oci.swift.plan import StoreHardware
from tests.helpers.enc_snapshots import ClusterBuilder

SYSTEM = Disk("sda", 240 * 10**9, "sata")
TB = 10**12
# store -> its disks: the smallest (sda) holds the system, the others are data disks.
DISKS = {
    1: (SYSTEM, Disk("sdb", 4 * TB, "sas"), Disk("sdc", 4 * TB, "sas")),
    2: (SYSTEM, Disk("sdb", 4 * TB, "sas"), Disk("sdc", 4 * TB, "sas"), Disk("sdd", 4 * TB, "sas")),
    3: (SYSTEM, Disk("sdb", 8 * TB, "sas"), Disk("sdc", 8 * TB, "sas")),
}
ZONES = {1: 1, 2: 1, 3: 2}  # store -> location (zone) id; all in Swift region 1


def cluster(**options: Any) -> tuple[ClusterView, dict[int, StoreHardware]]:
    """Stores 1 and 2 in location 1 (zone1), store 3 in location 2 (zone2), a proxy with
    only its system disk, a controller; ``options``: cluster options."""
    built = ClusterBuilder("swift1", swift_part_power=8, **options)
    built.add("controller")
    built.add("swiftproxy")
    stores = built.add("swiftstore", 3)
    built.members["swiftstore"] = [
        dataclasses.replace(m, location_id=ZONES[n], location=f"zone{ZONES[n]}")
        for n, m in enumerate(stores, 1)
    ]
    hardware = {m.id: StoreHardware(DISKS[n], f"rack{n}") for n, m in enumerate(stores, 1)}
    proxy = built.members["swiftproxy"][0]
    hardware[proxy.id] = StoreHardware((SYSTEM,))
    return built.view(), hardware


def set_store(view: ClusterView, number: int, **changes: Any) -> ClusterView:
    """``view`` with swift store ``number`` changed (settings=..., location_id=...)."""
    stores = list(view.members["swiftstore"])
    stores[number - 1] = dataclasses.replace(stores[number - 1], **changes)
    return dataclasses.replace(view, members={**view.members, "swiftstore": tuple(stores)})
