"""Swift rings built by Debian's swift-ring-builder from a cluster of 3 stores in 2 zones,
kept, changed in place, and sent to a node over SSH."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from oci.config import Settings
from oci.enrolment import clusters as topology
from oci.models import Machine, SshHostKey
from oci.swift import publish, rings
from oci.swift.builder import BuilderError
from oci.swift.plan import RingPlan, plan
from tests.helpers import enc_clusters as ec
from tests.helpers.api import Api
from tests.helpers.sshd import SSHD
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


def calculated(api: Api, cluster: str, body: dict[str, object] | None = None) -> dict[str, Any]:
    """Start a calculation as swift-calculate-ring does, and wait for its answer."""
    started = api.post(f"/api/v1/clusters/{cluster}/swift-rings", body or {})
    assert started.status_code == 202, started.get_json()
    assert started.get_json()["state"] == "running"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = api.get(f"/api/v1/clusters/{cluster}/swift-rings/calculation").get_json()
        if state["state"] != "running":
            assert state["finished_at"] is not None
            return dict(state)
        time.sleep(0.2)
    raise AssertionError(f"the rings of {cluster} were not built in 120 s")


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


@pytest.mark.skipif(
    not os.path.exists(SSHD) or os.geteuid() != 0,
    reason="needs Debian's openssh-server (scripts/apt-packages) and root",
)
def test_calculate_show_and_publish_through_the_api_to_a_node_over_ssh(
    api: Api,
    app: Flask,
    settings: Settings,
    live_sshd: tuple[int, str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not settings.effective_database_url.startswith("sqlite"):
        pytest.skip("one backend is enough: the rings read the inventory as the ENC does")
    port, host_public, key_file = live_sshd
    # The server logs in with its own key: the one the sshd lets in.
    settings.ssh_key_file.parent.mkdir(mode=0o700, exist_ok=True)
    for suffix in ("", ".pub"):
        Path(f"{settings.ssh_key_file}{suffix}").write_bytes(
            Path(f"{key_file}{suffix}").read_bytes()
        )
    with app.extensions["oci_sessionmaker"]() as s:
        ec.location(s, "zone2")
        ec.cluster(s, app.extensions["oci_vault"], "swift1", 2, options={"swift_part_power": 8})
        topology.create_network(s, "swift1-mgmt2", "10.2.8.0", 24, "zone2", False)
        topology.attach_network(s, "swift1-mgmt2", "swift1", "all", "eno1", None)
        stores = ec.enrol(s, "swift1", "swiftstore", 2) + ec.enrol(
            s, "swift1", "swiftstore", 1, "zone2"
        )
        # The first store's system answers on loopback with the sshd's key, pinned.
        first = s.scalars(select(Machine).where(Machine.hostname == stores[0])).one()
        s.add(SshHostKey(machine=first, key_type="ssh-ed25519", public_key=host_public))
        for ip in first.ip_addresses:
            ip.address = "127.0.0.1"
        s.commit()

    never = api.get("/api/v1/clusters/swift1/swift-rings/calculation").get_json()
    assert (never["state"], never["result"]) == ("none", None)
    done = calculated(api, "swift1")
    assert (done["state"], done["error"]) == ("done", None)
    body = done["result"]
    assert body["directory"] == str(tmp_path / "swift-rings" / "swift1")
    obj = body["rings"][2]
    # factories' machines: sda and sdb of 480 GB (sda holds the system), an NVMe of 3.84 TB.
    assert (obj["ring"], obj["device_count"], obj["zones"], obj["replicas"]) == (
        "object",
        6,
        2,
        3.0,
    )
    assert sorted({(d["device"], d["weight"]) for d in obj["devices"]}) == [
        ("nvme0n1", 3840.76),
        ("sdb", 480.1),
    ]
    shown = api.get("/api/v1/clusters/swift1/swift-rings").get_json()
    assert [r["ring"] for r in shown["rings"]] == ["account", "container", "object"]
    assert shown["rings"][2]["devices"] == obj["devices"]

    target = tmp_path / "etc-swift"
    monkeypatch.setattr(publish, "REMOTE_DIR", str(target))
    sent = api.post("/api/v1/clusters/swift1/swift-rings/publish", {"port": port}).get_json()
    assert sent["files"] == [
        "account.builder",
        "account.ring.gz",
        "container.builder",
        "container.ring.gz",
        "object.builder",
        "object.ring.gz",
    ]
    by_host = {n["hostname"]: n for n in sent["nodes"]}
    assert by_host[stores[0]] == {
        "hostname": stores[0],
        "address": "127.0.0.1",
        "sent": True,
        "error": None,
    }
    # The others never reported host keys: nothing is sent to an unknown key.
    assert "no SSH host key pinned" in by_host[stores[1]]["error"]
    kept = tmp_path / "swift-rings" / "swift1" / "object.ring.gz"
    assert (target / "object.ring.gz").read_bytes() == kept.read_bytes()
    assert not list(target.glob(".*"))  # no temporary file left

    # A refusal found while building (a ring's part power is fixed) is the calculation's
    # answer, not a lost request; the kept rings stay as they were.
    assert api.patch("/api/v1/clusters/swift1", {"swift_part_power": 9}).status_code == 200
    failed = calculated(api, "swift1")
    assert failed["state"] == "failed"
    assert "has part power 8 and the cluster's swift_part_power is 9" in failed["error"]
    assert failed["result"] is None
    assert (target / "object.ring.gz").read_bytes() == kept.read_bytes()


def test_a_calculation_killed_half_way_leaves_the_kept_rings_and_no_debris(
    tmp_path: Path,
) -> None:
    view, hardware = cluster()
    objects = dataclasses.replace(planned := plan(view, hardware), rings=planned.rings[2:])
    rings.calculate(tmp_path, objects)
    kept = (tmp_path / "object.builder").read_bytes()
    (tmp_path / ".build-killed").mkdir()  # a worker killed during its rebalance
    (tmp_path / ".build-killed" / "object.builder").write_bytes(b"half")
    with pytest.raises(BuilderError, match="is not installed on the oci server"):
        rings.calculate(tmp_path, objects, program=str(tmp_path / "no-such-builder"))
    assert (tmp_path / "object.builder").read_bytes() == kept
    assert not list(tmp_path.glob(".build-*"))
