"""Swift rings built by Debian's swift-ring-builder from a cluster of 3 stores in 2 zones,
kept, changed in place, and sent to a node over SSH."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from oci.swift import rings
from oci.swift.plan import RingPlan, plan
from tests.helpers.swift import cluster, set_store

pytestmark = pytest.mark.skipif(
    shutil.which("swift-ring-builder") is None,
    reason="needs Debian's swift-ring-builder (package swift, scripts/apt-packages)",
)


def listing(directory: Path, ring: str) -> str:
    return subprocess.run(
        ["swift-ring-builder", f"{ring}.builder"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def device_rows(text: str) -> list[tuple[str, ...]]:
    """(region, zone, ip:port, name, weight) of each device line."""
    table = text.partition("\nDevices:")[2].splitlines()[1:]
    return [tuple(line.split()[1:4] + line.split()[5:7]) for line in table if line.strip()]


def test_the_rings_hold_every_data_disk_weighted_by_size_and_are_balanced(tmp_path: Path) -> None:
    view, hardware = cluster(
        swift_ec_enable=True, swift_ec_num_data_fragments=4, swift_ec_num_parity_fragments=2
    )
    reports = rings.calculate(tmp_path, plan(view, hardware))
    assert [r.name for r in reports] == ["account", "container", "object", "object-1"]
    assert sorted(p.name for p in tmp_path.glob("*.ring.gz")) == [
        "account.ring.gz",
        "container.ring.gz",
        "object-1.ring.gz",
        "object.ring.gz",
    ]
    # The erasure-coded policy's ring: one replica per fragment, on the same disks.
    ec = reports[3].listing
    assert (ec.replicas, len(ec.devices)) == (6.0, 7)
    text = listing(tmp_path, "object")
    assert "256 partitions, 3.000000 replicas, 1 regions, 2 zones, 7 devices" in text
    assert device_rows(text) == [
        ("1", "1", "192.168.10.3:6200", "sdb", "4000.00"),
        ("1", "1", "192.168.10.3:6201", "sdc", "4000.00"),
        ("1", "1", "192.168.10.4:6200", "sdb", "4000.00"),
        ("1", "1", "192.168.10.4:6201", "sdc", "4000.00"),
        ("1", "1", "192.168.10.4:6202", "sdd", "4000.00"),
        ("1", "2", "192.168.10.5:6200", "sdb", "8000.00"),
        ("1", "2", "192.168.10.5:6201", "sdc", "8000.00"),
    ]
    assert "swift1-swiftstore-3.example.com rack=rack3" in text
    assert "Ring file object.ring.gz is up-to-date" in text
    # 20 TB in zone 1 and 16 TB in zone 2 hold 3 replicas: each disk's share of
    # partitions follows its weight.
    report = reports[2]
    assert report.added == 7 and report.listing.balance < 2.0
    shares = {(d.ip, d.device): d.partitions for d in report.listing.devices}
    assert sum(shares.values()) == 256 * 3
    assert shares[("192.168.10.5", "sdb")] > 1.8 * shares[("192.168.10.3", "sdb")]


def test_a_second_calculation_changes_the_kept_rings_instead_of_remaking_them(
    tmp_path: Path,
) -> None:
    view, hardware = cluster()

    def objects_only() -> RingPlan:  # the object ring alone: the others change alike
        return dataclasses.replace(planned := plan(view, hardware), rings=planned.rings[2:])

    rings.calculate(tmp_path, objects_only())
    first = {d.key: d.id for d in rings.kept(tmp_path)[0][1].devices}
    # Store 3 moves to zone 1, store 1 loses its sdc, store 2's sdd is now heavier.
    view = set_store(view, 3, location_id=1)
    store1 = view.members["swiftstore"][0].id
    store2 = view.members["swiftstore"][1].id
    hardware[store1] = hardware[store1].__class__(hardware[store1].disks[:2], "rack1")
    disks2 = list(hardware[store2].disks)
    disks2[3] = disks2[3].__class__("sdd", 6 * 10**12, "sas")
    hardware[store2] = hardware[store2].__class__(tuple(disks2), "rack2")
    (obj,) = rings.calculate(tmp_path, objects_only())
    assert (obj.added, obj.removed, obj.changed) == (0, 1, 3)
    after = {d.key: d for d in obj.listing.devices}
    # Devices keep their ids: their partitions are where they were.
    assert {key: d.id for key, d in after.items()} == {
        key: i for key, i in first.items() if key != ("192.168.10.3", 6201, "sdc")
    }
    assert after[("192.168.10.4", 6202, "sdd")].weight == 6000.0
    assert {d.zone for d in after.values()} == {1}
    assert (obj.listing.zones, len(after)) == (1, 6)
    assert list((tmp_path / "backups").iterdir())
