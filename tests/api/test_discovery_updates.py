"""Re-reports update a machine in place, record what changed as events, and
keep only the last raw reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oci.ingest.archive import unpack_report
from oci.ingest.report import parse_report
from oci.inventory import machines as inventory
from oci.models import Bmc, DiscoveryReport, Disk, Machine, MachineEvent
from tests.helpers.api import Api
from tests.helpers.database import Database
from tests.helpers.paths import FIXTURES
from tests.helpers.reports import (
    HOST_BRIDGE,
    T4,
    TWO_SSDS,
    archive,
    fixture_files,
    ip_link,
    lsblk,
    machine_files,
)

URL = "/api/v1/discovery/reports"
GZIP = {"Content-Type": "application/gzip"}
MACS = ("00:1b:21:10:00:01", "00:1b:21:10:00:02")


def files(disks: str, lspci: str = HOST_BRIDGE, **extra: str) -> dict[str, str]:
    return machine_files(
        "UPD1", macs=MACS, extra={"lsblk.json": disks, "lspci-nnmm.txt": lspci, **extra}
    )


def post(client: FlaskClient, report: dict[str, str]):
    response = client.post(URL, data=archive(report), headers=GZIP)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def kinds(session: Session) -> list[str]:
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    return list(session.scalars(select(MachineEvent.kind).order_by(MachineEvent.id)))


def test_changes_update_rows_in_place_and_become_events(
    client: FlaskClient, session: Session
) -> None:
    post(client, files(TWO_SSDS))
    machine = session.scalar(select(Machine))
    disk_ids = {d.name: d.id for d in machine.disks}
    assert kinds(session) == ["discovered"]

    # sdb replaced by another drive, a GPU added.
    replaced = lsblk(("sda", 480103981056, "S4EVNX0N1"), ("sdb", 960197124096, "S4EVNX0N9"))
    body = post(client, files(replaced, HOST_BRIDGE + T4))
    assert body["changes"] == [
        "disk replaced: sdb 480G ssd (MZ7KH480HAHQ0D3, serial S4EVNX0N2) -> "
        "sdb 960G ssd (MZ7KH480HAHQ0D3, serial S4EVNX0N9)",
        "gpu added: TU104GL [Tesla T4] (10de:1eb8) at 0000:3b:00.0",
    ]
    assert kinds(session) == ["discovered", "disk-replaced", "gpu-added"]
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    machine = session.scalar(select(Machine))
    # The unchanged disk is the same row; no duplicates anywhere.
    assert {d.name: d.id for d in machine.disks}["sda"] == disk_ids["sda"]
    assert session.scalar(select(func.count()).select_from(Disk)) == 2
    assert machine.discovery_count == 2
    assert [d.address for d in machine.pci_devices] == ["0000:00:00.0", "0000:3b:00.0"]

    # The GPU taken out again.
    post(client, files(replaced))
    assert kinds(session)[-1] == "gpu-removed"


def test_a_missing_or_failed_tool_forgets_nothing(
    client: FlaskClient, api: Api, session: Session
) -> None:
    post(client, files(TWO_SSDS))
    without = files(TWO_SSDS)
    del without["lsblk.json"]
    without["commands.txt"] = "127 lsblk.json\n0 dmidecode.txt\n"
    post(client, without)
    failed = files("")  # lsblk ran and failed: its empty output is not "no disks"
    failed["commands.txt"] = "1 lsblk.json\n"
    failed["lsblk.json.err"] = "lsblk: failed to access sysfs directory: /sys/dev/block\n"
    body = post(client, failed)
    assert "lsblk.json: the tool failed (exit 1): lsblk: failed to access sysfs" in " ".join(
        body["problems"]
    )
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    machine = session.scalar(select(Machine))
    assert sorted(d.name for d in machine.disks) == ["sda", "sdb"]
    assert "disk-removed" not in kinds(session)
    # machine-show tells the operator why the disks are what they were.
    shown = api.get("/api/v1/machines/UPD1").get_json()
    assert any(p.startswith("lsblk.json: the tool failed") for p in shown["problems"])


def test_unchanged_reports_only_bump_last_seen(client: FlaskClient, session: Session) -> None:
    first = post(client, files(TWO_SSDS))
    seen = session.scalar(select(Machine.last_seen))
    second = post(client, files(TWO_SSDS))
    assert first["stored"] is True and second["stored"] is False
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    machine = session.scalar(select(Machine))
    assert machine.discovery_count == 2 and machine.last_seen > seen
    assert session.scalar(select(func.count()).select_from(DiscoveryReport)) == 1


def test_only_the_last_reports_are_kept(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inventory, "STORE_UNCHANGED_EVERY", timedelta(0))
    sessions = database.sessions
    for n in range(5):
        data = archive(files(TWO_SSDS, **{"meminfo.txt": f"MemTotal: {n + 1} kB\n"}))
        unpacked = unpack_report(data)
        upload = inventory.Upload(data, unpacked, parse_report(unpacked), f"10.0.0.{n}")
        inventory.apply_report(sessions, upload, keep=3)
    with sessions() as session:
        sources = session.scalars(select(DiscoveryReport.source).order_by(DiscoveryReport.id))
        assert list(sources) == ["10.0.0.2", "10.0.0.3", "10.0.0.4"]
        assert session.scalar(select(Machine.discovery_count)) == 5


def test_ssh_host_keys_and_lldp_neighbours(client: FlaskClient, api: Api) -> None:
    """The live system's host keys are pinned as reported; a neighbour stays
    known when an early report (lldpd not yet heard the switch) has none."""
    keys = (FIXTURES / "ssh-keygen" / "ssh-host-keys.txt").read_text()
    lldp = (FIXTURES / "lldpd-netns" / "lldpctl.json").read_text()
    report = machine_files("LLDP1", macs=MACS)
    report["ip-link.json"] = ip_link([("veth-host", MACS[0]), ("veth-host2", MACS[1])])
    post(client, report | {"ssh-host-keys.txt": keys, "lldpctl.json": lldp})
    shown = api.get("/api/v1/machines/LLDP1").get_json()
    assert shown["ssh_host_keys"] == sorted(keys.splitlines())
    assert shown["switch"] == "leaf01.example.net:swp7, leaf01.example.net:swp8"
    ports = {
        n["interface"]: (n["port_id"], n["port_description"]) for n in shown["lldp_neighbours"]
    }
    assert ports == {"veth-host": ("swp7", "server42:eth0"), "veth-host2": ("swp8", "swp8")}
    post(client, report | {"ssh-host-keys.txt": keys, "lldpctl.json": '{"lldp": {}}'})
    kept = api.get("/api/v1/machines/LLDP1").get_json()["switch"]
    assert kept == "leaf01.example.net:swp7, leaf01.example.net:swp8"
    # A rebuilt live image with other host keys: the pinned ones follow it.
    rsa = next(line for line in keys.splitlines() if line.startswith("ssh-rsa "))
    post(client, report | {"ssh-host-keys.txt": rsa + "\n"})
    assert api.get("/api/v1/machines/LLDP1").get_json()["ssh_host_keys"] == [rsa]


def test_a_new_machines_bmc_is_stored_and_a_re_report_updates_it(
    client: FlaskClient, session: Session
) -> None:
    """A new machine's BMC row is inserted without looking for one (it has none);
    a known machine's is updated in place."""
    ipmi = fixture_files("ipmi-sim")
    post(client, files(TWO_SSDS, **ipmi))
    machine = session.scalar(select(Machine))
    assert machine is not None and machine.bmc is not None
    bmc_id, address = machine.bmc.id, machine.bmc.ip_address
    assert address == "10.20.30.41"

    moved = ipmi["ipmitool-lan.txt"].replace(address, "10.20.30.99")
    post(client, files(TWO_SSDS, **(ipmi | {"ipmitool-lan.txt": moved})))
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    assert session.execute(select(Bmc.id, Bmc.ip_address)).tuples().all() == [
        (bmc_id, "10.20.30.99")
    ]
