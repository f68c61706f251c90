"""Constraints that make duplicates impossible, on every backend."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from oci.models import Disk, IpAddress, Location, Machine, Network, Nic, SwiftRegion
from oci.models.types import InvalidMac, normalise_mac
from tests.helpers import factories


def test_mac_addresses_are_normalised_at_the_field(session: Session) -> None:
    row = factories.machine(session, "S1")
    session.commit()
    macs = set(session.scalars(select(Nic.mac).where(Nic.machine_id == row.id)))
    # The factory writes eno1's MAC in upper case; the column stores it lower.
    assert all(mac == mac.lower() for mac in macs)
    assert any(mac.startswith("00:1b:21:") for mac in macs)
    assert normalise_mac("AA-BB-CC-DD-EE-FF") == "aa:bb:cc:dd:ee:ff"
    assert normalise_mac("aabb.ccdd.eeff") == "aa:bb:cc:dd:ee:ff"
    with pytest.raises(InvalidMac):
        normalise_mac("aa:bb:cc:dd:ee")


def test_serial_is_unique(session: Session) -> None:
    session.add(Machine(serial="DUP"))
    session.commit()
    session.add(Machine(serial="DUP"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_placeholder_identities_may_repeat_as_null(session: Session) -> None:
    session.add_all([Machine(serial=None, system_uuid=None), Machine(serial=None)])
    session.commit()
    assert session.scalar(select(func.count()).select_from(Machine)) == 2


def test_a_physical_nic_belongs_to_one_machine(session: Session) -> None:
    first, second = Machine(serial="A"), Machine(serial="B")
    first.nics = [Nic(name="eth0", mac="52:54:00:00:00:01", identity_mac="52:54:00:00:00:01")]
    # A BMC USB NIC with the same fixed MAC on two servers is fine: no identity.
    first.nics.append(Nic(name="usb0", mac="02:21:28:57:47:17"))
    second.nics = [Nic(name="usb0", mac="02:21:28:57:47:17")]
    session.add_all([first, second])
    session.commit()
    second.nics.append(Nic(name="eth0", mac="52:54:00:00:00:01", identity_mac="52:54:00:00:00:01"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_component_names_are_unique_per_machine(session: Session) -> None:
    row = Machine(serial="C")
    row.disks = [
        Disk(name="sda", size_bytes=1, kind="ssd"),
        Disk(name="sda", size_bytes=2, kind="hdd"),
    ]
    session.add(row)
    with pytest.raises(IntegrityError):
        session.commit()


def test_deleting_a_machine_deletes_its_hardware(session: Session) -> None:
    row = factories.machine(session, "GONE")
    session.commit()
    session.delete(row)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Disk)) == 0
    assert session.scalar(select(func.count()).select_from(Nic)) == 0


def test_an_address_is_held_once_per_network(session: Session) -> None:
    location = Location(name="z1", swift_region=SwiftRegion(name="r1"))
    net = Network(name="n", address="10.0.0.0", prefix_length=24, ip_version=4, location=location)
    m1, m2 = Machine(serial="M1"), Machine(serial="M2")
    session.add_all([net, m1, m2])
    session.flush()
    session.add(IpAddress(network=net, address="10.0.0.5", machine=m1))
    session.commit()
    session.add(IpAddress(network=net, address="10.0.0.5", machine=m2))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    # ... and a machine holds one address per network.
    session.add(IpAddress(network=net, address="10.0.0.6", machine=m1))
    with pytest.raises(IntegrityError):
        session.commit()


def test_status_outside_the_lifecycle_is_refused_by_the_database(session: Session) -> None:
    session.add(Machine(serial="X"))
    session.commit()
    # MariaDB reports a failed CHECK as an OperationalError, the others as IntegrityError.
    with pytest.raises(DBAPIError, match="ck_machines_machine_status"):
        session.execute(cast(Table, Machine.__table__).update().values(status="exploded"))
        session.commit()
