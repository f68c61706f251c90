"""What OCI's machine-set options reach through the API: dest_blk (the install
disk, checked against the machine's disks) and the BMC settings its --ipmi-*
flags change (PATCH /machines/S/ipmi, the stored password kept)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Bmc, Disk, Machine
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Database
from tests.helpers.enrolment import ok


def _settings(database: Database, serial: str) -> Any:
    with database.sessions() as s:
        return s.scalar(select(Machine.settings).where(Machine.serial == serial))


@pytest.fixture
def machines(api: Api, session: Session) -> Api:
    factories.machine(session, "S1")  # sda, sdb, nvme0n1
    usb = factories.machine(session, "S2")
    usb.disks.append(Disk(name="sdc", size_bytes=32 * 2**30, kind="hdd", transport="usb"))
    factories.machine(session, "BARE").disks = []  # no report of its disks yet
    session.commit()
    return api


def test_dest_blk_names_one_of_the_machines_disks(machines: Api, database: Database) -> None:
    api = machines
    shown = ok(api.patch("/api/v1/machines/S1/settings", json={"dest_blk": "nvme0n1"}))
    assert shown["settings"]["dest_blk"] == "nvme0n1"
    assert ok(api.get("/api/v1/machines/S1"))["options"]["dest_blk"] == "nvme0n1"
    # unset by default (the installer's choice: the smallest disk that fits)
    assert ok(api.get("/api/v1/machines/S2/settings"))["settings"]["dest_blk"] is None

    refusals = [
        ("S1", {"dest_blk": "sdz"}, "dest_blk 'sdz' is not a disk of this machine (its disks: "),
        ("S2", {"dest_blk": "sdc"}, "dest_blk 'sdc' is a USB disk"),
        ("BARE", {"dest_blk": "sda"}, "(its disks: none reported yet)"),
        ("S1", {"dest_blk": "/dev/sda"}, "dest_blk"),
        (
            "S1",
            {"install_on_raid": True, "raid_devices": ["sda", "sdb"]},
            "dest_blk and install_on_raid exclude each other",
        ),
    ]
    for serial, body, words in refusals:
        before = _settings(database, serial)
        response = api.patch(f"/api/v1/machines/{serial}/settings", json=body)
        assert response.status_code == 422, response.get_json()
        assert words in response.get_json()["error"]["message"]
        assert _settings(database, serial) == before

    cleared = ok(api.patch("/api/v1/machines/S1/settings", json={"dest_blk": None}))
    assert cleared["settings"]["dest_blk"] is None
    ok(api.patch("/api/v1/machines/S1/settings", json={"dest_blk": "sdb"}))
    none = ok(api.patch("/api/v1/machines/S1/settings", json={"dest_blk": "none"}))  # OCI's
    assert none["settings"]["dest_blk"] is None and "dest_blk" not in _settings(database, "S1")
    raid = {"install_on_raid": True, "raid_devices": ["sda", "sdb"]}
    ok(api.patch("/api/v1/machines/S1/settings", json=raid))
    refused = api.patch("/api/v1/machines/S1/settings", json={"dest_blk": "sda"})
    assert refused.status_code == 422
    assert "exclude each other" in refused.get_json()["error"]["message"]


def test_ipmi_patch_changes_user_address_port_and_keeps_the_password(
    machines: Api, database: Database
) -> None:
    api = machines
    # No BMC address known at all: refused, nothing written.
    response = api.patch("/api/v1/machines/S1/ipmi", json={"username": "oci"})
    assert response.status_code == 422, response.get_json()
    assert "no BMC address known for machine S1" in response.get_json()["error"]["message"]
    with database.sessions() as s:
        assert s.scalar(select(Bmc)) is None

    stored = {"username": "root", "password": "s3cret-pass", "address": "192.168.100.12"}
    ok(api.client.put("/api/v1/machines/S1/ipmi", json=stored, headers=api.user.bearer))
    with database.sessions() as s:
        sealed = s.scalar(select(Bmc.ipmi_password))
    changed = ok(
        api.patch(
            "/api/v1/machines/S1/ipmi",
            json={"username": "oci", "address": "192.168.100.13", "port": 6230},
        )
    )
    assert (changed["username"], changed["address"], changed["port"]) == (
        "oci",
        "192.168.100.13",
        6230,
    )
    assert changed["password_set"] is True
    with database.sessions() as s:
        assert s.scalar(select(Bmc.ipmi_password)) == sealed  # untouched
    revealed = ok(api.get("/api/v1/machines/S1/ipmi/password"))
    assert revealed["password"] == "s3cret-pass"
    # Only the port: the rest stays.
    port_only = ok(api.patch("/api/v1/machines/S1/ipmi", json={"port": 623}))
    assert (port_only["username"], port_only["address"], port_only["port"]) == (
        "oci",
        "192.168.100.13",
        623,
    )
    for body, words in (
        ({"password": "x"}, "password: unknown field"),
        ({"port": 0}, "port"),
        ({"username": "u" * 17}, "username"),
    ):
        response = api.patch("/api/v1/machines/S1/ipmi", json=body)
        assert response.status_code == 422, response.get_json()
        assert words in response.get_json()["error"]["message"]
    assert api.patch("/api/v1/machines/NOPE/ipmi", json={"port": 623}).status_code == 404


def test_the_bmc_lan_options_are_stored_and_checked_naming_them(
    machines: Api, database: Database
) -> None:
    api = machines
    lan = {"ipmi_netmask": "255.255.254.0", "ipmi_default_gw": "10.0.1.254", "ipmi_vlan": 12}
    # unset by default: the ipmi network's
    default = ok(api.get("/api/v1/machines/S1/settings"))["settings"]
    assert [default[k] for k in lan] == [None, None, None]
    shown = ok(api.patch("/api/v1/machines/S1/settings", json=lan))
    assert {k: shown["settings"][k] for k in lan} == lan
    assert {k: _settings(database, "S1")[k] for k in lan} == lan
    refusals = [
        ({"ipmi_netmask": "255.0.255.0"}, "ipmi_netmask"),  # not contiguous
        ({"ipmi_netmask": "0.0.0.0"}, "ipmi_netmask"),
        ({"ipmi_default_gw": "10.0.1.300"}, "ipmi_default_gw"),
        ({"ipmi_vlan": 4095}, "ipmi_vlan"),
        ({"ipmi_vlan": 0}, "ipmi_vlan"),
    ]
    for body, named in refusals:
        before = _settings(database, "S1")
        response = api.patch("/api/v1/machines/S1/settings", json=body)
        assert response.status_code == 422, response.get_json()
        assert named in response.get_json()["error"]["message"]
        assert _settings(database, "S1") == before
    cleared = ok(api.patch("/api/v1/machines/S1/settings", json={"ipmi_vlan": None}))
    assert cleared["settings"]["ipmi_vlan"] is None
    assert "ipmi_vlan" not in _settings(database, "S1")
    assert _settings(database, "S1")["ipmi_netmask"] == "255.255.254.0"
