"""A plan written into our database (oci.importer.apply): idempotent, secrets encrypted."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.enrolment.clusters import reveal_secrets
from oci.importer.apply import apply_plan
from oci.importer.mapping import map_snapshot
from oci.models import (
    Cluster,
    Disk,
    IpAddress,
    Machine,
    Network,
    RaidDrive,
    StorageController,
)
from oci.security.vault import Vault
from tests.unit.test_import_oci_mapping import ROLES, _ip, _snapshot


def test_applying_a_plan_twice_changes_nothing_the_second_time(session: Session) -> None:
    vault = Vault(Fernet.generate_key())
    plan = map_snapshot(_snapshot(), ROLES)

    with session.begin():
        first = apply_plan(session, plan, vault)
    assert "create cluster cl1" in first.changes
    assert "create machine SER1 (cl1-controller-1.example.com, controller)" in first.changes

    with session.begin():
        second = apply_plan(session, plan, vault)
    assert second.changes == []
    assert second.unchanged > 0

    cluster = session.scalar(select(Cluster).where(Cluster.name == "cl1"))
    assert cluster is not None
    secrets = reveal_secrets(cluster, vault)
    assert secrets["nova/db"] == "n0va"
    assert all("n0va" not in s.ciphertext for s in cluster.secrets)
    machine = session.scalar(select(Machine).where(Machine.serial == "SER1"))
    assert machine is not None and machine.bmc is not None
    assert vault.decrypt(machine.bmc.ipmi_password or "") == "pw"
    vip = session.scalar(select(IpAddress).where(IpAddress.purpose == "vip"))
    assert vip is not None and (vip.address, vip.vip_usage) == ("203.0.113.2", "api")


def test_a_changed_oci_is_followed(session: Session) -> None:
    vault = Vault(Fernet.generate_key())
    with session.begin():
        apply_plan(session, map_snapshot(_snapshot(), ROLES), vault)

    snapshot = _snapshot()
    snapshot.rows("passwords")[0]["pass"] = "n3w"
    snapshot.rows("ips")[1]["ip"] += 5
    with session.begin():
        outcome = apply_plan(session, map_snapshot(snapshot, ROLES), vault)

    assert "set 1 secret(s) of cluster cl1 (re-encrypted with our key)" in outcome.changes
    assert any(c.startswith("update machine SER1") and "addresses" in c for c in outcome.changes)
    address = session.scalar(
        select(IpAddress.address).join(Machine).where(Machine.serial == "SER1")
    )
    assert address == "192.168.101.7"


def test_a_machine_that_reported_to_us_keeps_our_hardware(session: Session) -> None:
    """Our discovery knows disks better than OCI's tables: only the enrolment comes over."""
    vault = Vault(Fernet.generate_key())
    with session.begin():
        ours = Machine(serial="SER1", discovery_count=3, settings={}, memory_bytes=1)
        ours.secure_boot, ours.cpu_mhz = False, 2600
        ours.disks = [Disk(name="sda", size_bytes=10**12, kind="ssd", serial="S3Z1")]
        ours.storage_controllers = [StorageController(name="0000:18:00.0", kind="megaraid")]
        session.add(ours)

    snapshot = _snapshot()
    snapshot.rows("machines")[0] |= {"cpu_mhz": "2100", "boot_uefi": "yes", "secure_boot": "yes"}

    with session.begin():
        apply_plan(session, map_snapshot(snapshot, ROLES), vault)

    machine = session.scalar(select(Machine).where(Machine.serial == "SER1"))
    assert machine is not None
    assert [(d.name, d.serial) for d in machine.disks] == [("sda", "S3Z1")]
    assert [c.name for c in machine.storage_controllers] == ["0000:18:00.0"]
    assert (machine.memory_bytes, machine.secure_boot, machine.cpu_mhz) == (1, False, 2600)
    assert machine.hostname == "cl1-controller-1.example.com"
    assert [ip.address for ip in machine.ip_addresses] == ["192.168.101.2"]


def test_network_ranges_machine_facts_and_controllers_are_written(session: Session) -> None:
    vault = Vault(Fernet.generate_key())
    snapshot = _snapshot()
    mgmt, public = snapshot.rows("networks")
    mgmt |= {"first_ip": _ip("192.168.101.10"), "last_ip": _ip("192.168.101.200")}
    public |= {"ipmi_match_addr": "192.168.100.0", "ipmi_match_cidr": 24}
    snapshot.rows("machines")[0] |= {"cpu_mhz": "2100.000", "boot_uefi": "yes"}
    snapshot.rows("machines")[0] |= {"secure_boot": "yes"}
    snapshot.rows("physblockdevices").append(
        {"id": 1, "machine_id": 1, "slot": 4, "model": "ST4000", "serial": "Z1"}
        | {"size": 4 * 10**12, "state": "Online, Spun Up"}
    )
    plan = map_snapshot(snapshot, ROLES)

    with session.begin():
        apply_plan(session, plan, vault)
    with session.begin():
        assert apply_plan(session, plan, vault).changes == []

    networks = {n.name: n for n in session.scalars(select(Network))}
    assert (networks["mgmt1"].first_ip, networks["mgmt1"].last_ip) == (
        "192.168.101.10",
        "192.168.101.200",
    )
    assert networks["mgmt1"].ipmi_match_address is None
    assert (networks["pub1"].ipmi_match_address, networks["pub1"].ipmi_match_prefix_length) == (
        "192.168.100.0",
        24,
    )
    machine = session.scalar(select(Machine).where(Machine.serial == "SER1"))
    assert machine is not None
    assert (machine.cpu_mhz, machine.secure_boot) == (2100, True)
    assert [(c.name, c.kind, c.firmware_version) for c in machine.storage_controllers] == [
        ("ctrl0", "megaraid", "4.680.00-8527")
    ]
    assert [(d.position, d.controller, d.size_bytes, d.serial) for d in machine.raid_drives] == [
        ("4", "ctrl0", 4 * 10**12, "Z1")
    ]

    session.rollback()  # end the reads' transaction

    # OCI's controller gone and its range widened again: followed.
    snapshot.rows("blkdev_ctrl").clear()
    snapshot.rows("physblockdevices").clear()
    mgmt |= {"first_ip": _ip("192.168.101.2"), "last_ip": _ip("192.168.101.254")}
    with session.begin():
        changes = apply_plan(session, map_snapshot(snapshot, ROLES), vault).changes
    assert "update network mgmt1 (192.168.101.0/24): first_ip, last_ip" in changes
    (machine_change,) = [c for c in changes if c.startswith("update machine SER1")]
    assert "storage_controllers" in machine_change and "raid_drives" in machine_change
    mgmt_now = session.scalar(select(Network).where(Network.name == "mgmt1"))
    assert mgmt_now is not None and mgmt_now.first_ip is None
    assert session.scalars(select(StorageController)).all() == []
    assert session.scalars(select(RaidDrive)).all() == []
