"""POST /oci/report.php: OCI's own live agent's report, posted as that agent posts it
(curl --header "Content-Type: application/json" -d @FILE), on every backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from oci.api.app import create_app
from oci.config import Settings
from oci.inventory.machines import reparse
from oci.models import (
    Bmc,
    DiscoveryReport,
    Disk,
    LldpNeighbour,
    Machine,
    MachineEvent,
    Nic,
    RaidDrive,
    StorageController,
)
from tests.helpers.api import Api
from tests.helpers.database import Credentials, Database
from tests.helpers.paths import TESTS

URL = "/oci/report.php"
OCI = TESTS / "fixtures" / "oci-42.2.5"
AGENT = OCI / "agent-report"
CAPTURED = (AGENT / "report.json").read_bytes()
MEGARAID = (AGENT / "report-megaraid.json").read_bytes()
# What the captured agent's curl sent (curl-args.txt).
AS_OCI_POSTS = {"Content-Type": "application/json"}
UNTRUSTED = {"REMOTE_ADDR": "198.51.100.7"}
MODELS = (Machine, Nic, Disk, LldpNeighbour, StorageController, RaidDrive, DiscoveryReport)


def _counts(session: Session) -> tuple[int, ...]:
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (*MODELS, MachineEvent)
    )


def _changed(**changes: Any) -> bytes:
    data = json.loads(CAPTURED)
    data.update(changes)
    return json.dumps(data).encode()


def test_the_agents_report_creates_the_machine_as_it_posts_it(
    client: FlaskClient, api: Api, session: Session
) -> None:
    args = (AGENT / "curl-args.txt").read_text().split("\n")
    assert args[1:3] == ["--header", "Content-Type: application/json"] and args[3] == "-d"
    response = client.post(URL, data=CAPTURED, headers=AS_OCI_POSTS)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created"] is True and body["machine"]["serial"] == "J7XK2M3"

    machine = session.scalars(select(Machine)).one()
    assert (machine.serial, machine.product_name, machine.memory_bytes) == (
        "J7XK2M3",
        "PowerEdge R740",
        96 << 30,
    )
    assert [(d.name, d.size_bytes) for d in machine.disks] == [("vda", 256 << 30)]
    assert [(n.name, n.mac, n.driver) for n in machine.nics] == [
        ("eno1", "e4:43:4b:a2:1c:40", "veth"),
        ("eno2", "e4:43:4b:a2:1c:41", "veth"),
    ]
    assert [(n.interface, n.switch_name, n.port_id) for n in machine.lldp_neighbours] == [
        ("eno1", "leaf01.example.net", "swp7"),
        ("eno2", "leaf01.example.net", "swp8"),
    ]
    assert [(c.kind, c.model) for c in machine.storage_controllers] == [
        ("other", "Virtio 1.0 block device")
    ]
    report = session.scalars(select(DiscoveryReport)).one()
    # Kept as posted, for reparse.
    assert (report.format, report.archive) == ("oci-json", CAPTURED)

    # ocicli report-list / report-get: the kept body comes back as JSON.
    listed = api.get("/api/v1/machines/J7XK2M3/reports").get_json()["items"]
    assert [r["format"] for r in listed] == ["oci-json"]
    kept = api.get(f"/api/v1/machines/J7XK2M3/reports/{report.id}")
    assert (kept.mimetype, kept.data) == ("application/json", CAPTURED)
    assert kept.headers["Content-Disposition"].endswith(f'-{report.id}.json"')

    again = client.post(URL, data=CAPTURED, headers=AS_OCI_POSTS)
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert _counts(session)[0] == 1


def test_a_megaraid_machine_shows_its_controller_drives_and_firmware(
    client: FlaskClient, api: Api, session: Session
) -> None:
    assert client.post(URL, data=MEGARAID, headers=AS_OCI_POSTS).status_code == 201
    machine = session.scalars(select(Machine)).one()
    assert (machine.secure_boot, machine.serial) == (True, "8QRT5N2")
    assert [(c.kind, c.firmware_version) for c in machine.storage_controllers] == [
        ("megaraid", "25.5.6.0009"),
        ("ahci", None),
    ]
    assert [(d.slot, d.state) for d in machine.raid_drives] == [
        ("0", "Online"),
        ("1", "Online"),
        ("2", "Online"),
        ("3", "Unconfigured(good)"),
    ]
    bmc = session.scalars(select(Bmc)).one()
    assert (bmc.firmware_version, bmc.ip_address) == ("4.40.00.00", "10.3.1.21")
    # What ocicli machine-show prints.
    shown = api.get("/api/v1/machines/8QRT5N2").get_json()
    assert shown["secure_boot"] is True
    assert shown["bmc"]["firmware_version"] == "4.40.00.00"
    assert [(c["kind"], c["model"]) for c in shown["storage_controllers"]] == [
        ("megaraid", "MegaRAID SAS-3 3108 [Invader]"),
        ("ahci", "C620 Series Chipset Family SATA Controller [AHCI mode]"),
    ]
    assert [(d["position"], d["size_bytes"], d["controller"]) for d in shown["raid_drives"]][3] == (
        "3",
        960197124096,
        "ctrl0",
    )
    # A report without phys-blockdevices (megacli missing this time) keeps the drives.
    data = json.loads(MEGARAID)
    del data["phys-blockdevices"]
    data["blkdev_ctrl"][0]["firmware_version"] = "25.5.9.0001"
    assert client.post(URL, data=json.dumps(data), headers=AS_OCI_POSTS).status_code == 200
    session.rollback()  # a new snapshot, as the server wrote it
    assert len(machine.raid_drives) == 4
    assert machine.storage_controllers[0].firmware_version == "25.5.9.0001"


def _import_oci_profiles(api: Api) -> None:
    text = (OCI / "hardware-profiles.json").read_text()
    response = api.post("/api/v1/profiles/import", json={"text": text, "source": "hw.json"})
    assert response.status_code == 200, response.get_json()


def test_ocis_two_r640_computes_resolve_by_the_raid_controller(
    client: FlaskClient, api: Api
) -> None:
    """OCI picks compute-with-var-lib-nova-instance for an R640 whose drives sit
    behind a MegaRAID, compute-over-ceph-with-soft-raid for one without."""
    _import_oci_profiles(api)
    assert client.post(URL, data=MEGARAID, headers=AS_OCI_POSTS).status_code == 201
    soft = json.loads(MEGARAID)
    del soft["phys-blockdevices"]
    soft["machine"][0]["serial"] = "8QRT5N3"
    soft["blkdev_ctrl"] = soft["blkdev_ctrl"][1:]
    for number, nic in enumerate(soft["interfaces"]):
        nic["macaddr"] = f"e4:43:4b:b7:03:1{number}"
    assert client.post(URL, data=json.dumps(soft), headers=AS_OCI_POSTS).status_code == 201
    for serial, expected in (
        ("8QRT5N2", "compute-with-var-lib-nova-instance"),
        ("8QRT5N3", "compute-over-ceph-with-soft-raid"),
    ):
        guessed = api.get(f"/api/v1/machines/{serial}/guessed-profile").get_json()
        assert guessed["profile"] == expected, guessed


HOSTILE = {
    "not JSON": (b"serial=J7XK2M3&memory=1", 400, "not JSON"),
    "not UTF-8": (b'{"machine": "\xff"}', 400, "not UTF-8"),
    "deep nesting": (b'{"machine": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", 422, "nests"),
    "a number": (_changed(memory=[{"size": 98304}]), 422, "memory[0].size: a string"),
    "an object for a list": (_changed(interfaces={"eno1": {}}), 422, "interfaces: a list"),
    "no machine": (_changed(machine=[]), 422, "machine: OCI's agent always sends"),
    "too many NICs": (
        _changed(
            interfaces=[
                {"name": f"e{n}", "macaddr": f"e4:43:4b:00:{n >> 8:02x}:{n & 255:02x}"}
                for n in range(513)
            ]
        ),
        422,
        "interfaces lists 513 entries; at most 512",
    ),
    "too many disks": (
        _changed(blockdevices=[{"name": f"sd{n}", "size": "1000000"} for n in range(1025)]),
        422,
        "blockdevices lists 1025 entries",
    ),
    "an escape in the serial": (
        _changed(machine=[{"serial": "J7XK2M3\x1b[2J", "productname": "PowerEdge R740"}]),
        422,
        "U+001B",
    ),
    "a right-to-left override in a switch name": (
        _changed(
            interfaces=[
                {
                    "name": "eno1",
                    "macaddr": "e4:43:4b:a2:1c:40",
                    "switch_hostname": "leaf01\u202e",
                    "switchport_name": "swp7",
                }
            ]
        ),
        422,
        "U+202E",
    ),
    "no identity": (_changed(machine=[{"serial": "--"}], interfaces=[]), 422, "identifies no"),
}


def _machine(**changes: str) -> bytes:
    return _changed(machine=[json.loads(CAPTURED)["machine"][0] | changes])


def _nic(**changes: str) -> bytes:
    return _changed(interfaces=[json.loads(CAPTURED)["interfaces"][0] | changes])


# Numbers past their columns: 32-bit Integer (PostgreSQL refused them: a 500),
# 64-bit BigInteger (SQLite and the drivers raised OverflowError: a 500).
HOSTILE |= {
    "a memory size past 64 bits in bytes": (
        _changed(memory=[{"size": "9" * 18}]),
        422,
        "memory[0].size",
    ),
    "2**43 MiB is 2**63 bytes, one past BigInteger": (
        _changed(memory=[{"size": str(2**43)}]),
        422,
        "memory[0].size",
    ),
    "a clock past Integer": (_machine(cpu_mhz=str(2**31)), 422, "machine[0].cpu_mhz"),
    "threads past Integer": (_machine(cpu_threads=str(2**31)), 422, "machine[0].cpu_threads"),
    "cores past Integer, 65536 x 65536": (
        _machine(cpu_sockets="65536", cpu_core_per_socket="65536"),
        422,
        "machine[0].cpu_core_per_socket",
    ),
    "a NIC speed past Integer": (_nic(max_speed=str(2**31)), 422, "interfaces[0].max_speed"),
    "a disk past BigInteger": (
        _changed(blockdevices=[{"name": "sda", "size": str(2**63)}]),
        422,
        "blockdevices[0].size",
    ),
    "a RAID drive past BigInteger": (
        _changed(**{"phys-blockdevices": [{"slot": "0", "size": str(2**63)}]}),
        422,
        "phys-blockdevices[0].size",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_report_is_refused_and_stores_nothing(
    client: FlaskClient, session: Session, case: str
) -> None:
    body, status, message = HOSTILE[case]
    before = _counts(session)
    response = client.post(URL, data=body, headers=AS_OCI_POSTS)
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["error"]["message"]
    assert _counts(session) == before == (0,) * (len(MODELS) + 1)


def test_the_trust_rule_is_ours_an_unknown_network_needs_credentials(
    client: FlaskClient, admin: Credentials, session: Session
) -> None:
    refused = client.post(URL, data=CAPTURED, headers=AS_OCI_POSTS, environ_base=UNTRUSTED)
    assert refused.status_code == 401
    assert _counts(session) == (0,) * (len(MODELS) + 1)
    headers = AS_OCI_POSTS | admin.bearer
    sent = client.post(URL, data=CAPTURED, headers=headers, environ_base=UNTRUSTED)
    assert sent.status_code == 201, sent.get_json()
    session.rollback()  # a new snapshot, as the server wrote it
    assert session.scalars(select(DiscoveryReport.sender)).one() == "admin"


@pytest.fixture
def default_app(database: Database, tmp_path: Path) -> Iterator[Flask]:
    """The app with the default request bound (1 MiB), as served."""
    application = create_app(Settings(database_url=database.url, data_dir=tmp_path))
    yield application
    application.extensions["oci_engine"].dispose()


def test_the_size_bound_is_ours_one_mib(default_app: Flask, session: Session) -> None:
    limit = default_app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 * 1024
    client = default_app.test_client()
    padded = CAPTURED[:-1] + b" " * (limit - len(CAPTURED)) + b"}"
    assert len(padded) == limit
    assert client.post(URL, data=padded, headers=AS_OCI_POSTS).status_code == 201
    over = client.post(URL, data=padded + b" ", headers=AS_OCI_POSTS)
    assert over.status_code == 413
    assert _counts(session)[-2] == 1  # the one report kept


def test_reparse_reads_a_kept_oci_report_with_its_own_parser(
    client: FlaskClient, session: Session, database: Database
) -> None:
    assert client.post(URL, data=MEGARAID, headers=AS_OCI_POSTS).status_code == 201
    machine = session.scalars(select(Machine)).one()
    # As an older parser would have left it: no controllers, no RAID drives.
    for row in (*machine.storage_controllers, *machine.raid_drives):
        session.delete(row)
    session.commit()

    def tar_only(archive: bytes) -> Any:
        raise AssertionError("an OCI report went to the tar parser")

    factory: sessionmaker[Session] = database.sessions
    changes = reparse(factory, machine.id, tar_only)
    assert changes is not None
    session.rollback()  # a new snapshot, as the server wrote it
    assert [c.kind for c in machine.storage_controllers] == ["megaraid", "ahci"]
    assert len(machine.raid_drives) == 4


def test_another_content_type_is_415_and_stores_nothing(
    client: FlaskClient, session: Session
) -> None:
    response = client.post(URL, data=CAPTURED, headers={"Content-Type": "application/gzip"})
    assert response.status_code == 415
    assert _counts(session) == (0,) * (len(MODELS) + 1)


def test_a_raid_drive_failing_or_replaced_is_an_event(
    client: FlaskClient, session: Session
) -> None:
    assert client.post(URL, data=MEGARAID, headers=AS_OCI_POSTS).status_code == 201
    data = json.loads(MEGARAID)
    data["phys-blockdevices"][1]["state"] = "Failed"
    data["phys-blockdevices"][3]["serial"] = "S45NNE0M899999"  # slot 3 swapped
    response = client.post(URL, data=json.dumps(data), headers=AS_OCI_POSTS)
    assert response.status_code == 200, response.get_json()
    changes = response.get_json()["changes"]
    assert changes == [
        "raid-drive replaced: slot 3 960G (MZ7LH960HAJR0D3, serial S45NNE0M800124) -> "
        "slot 3 960G (MZ7LH960HAJR0D3, serial S45NNE0M899999)",
        "RAID drive slot 1 240G (SSDSC2KB240G8R, serial PHYF91230051240AGN) state: "
        "Online -> Failed",
    ]
    session.rollback()
    kinds = session.scalars(select(MachineEvent.kind).order_by(MachineEvent.id)).all()
    assert kinds[-2:] == ["raid-drive-replaced", "raid-drive-state"]
