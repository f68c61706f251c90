"""A plan written into our database (oci.importer.apply): idempotent, secrets encrypted."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.enrolment.clusters import reveal_secrets
from oci.importer.apply import apply_plan
from oci.importer.mapping import map_snapshot
from oci.models import Cluster, Disk, IpAddress, Machine
from oci.security.vault import Vault
from tests.unit.test_import_oci_mapping import ROLES, _snapshot


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
        ours.disks = [Disk(name="sda", size_bytes=10**12, kind="ssd", serial="S3Z1")]
        session.add(ours)

    with session.begin():
        apply_plan(session, map_snapshot(_snapshot(), ROLES), vault)

    machine = session.scalar(select(Machine).where(Machine.serial == "SER1"))
    assert machine is not None
    assert [(d.name, d.serial) for d in machine.disks] == [("sda", "S3Z1")]
    assert machine.memory_bytes == 1
    assert machine.hostname == "cl1-controller-1.example.com"
    assert [ip.address for ip in machine.ip_addresses] == ["192.168.101.2"]
