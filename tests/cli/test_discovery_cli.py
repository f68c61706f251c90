"""What the operator sees of discovery through ocicli and oci, end to end
against a live server: the list, one machine, events, raw reports, reparse."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import delete, select, update

from oci.models import Machine, MachineEvent, PciDevice
from tests.helpers.cli import base_env, table_rows
from tests.helpers.commands import Command
from tests.helpers.reports import HOST_BRIDGE, T4, TWO_SSDS, archive, lsblk, machine_files
from tests.helpers.server import LiveServer

GZIP = {"Content-Type": "application/gzip"}
MACS = ("00:1b:21:30:00:01", "00:1b:21:30:00:02")


@pytest.fixture
def cli(token_cli: Command) -> Command:
    return token_cli


def report(live_server: LiveServer, files: dict[str, str]) -> dict[str, Any]:
    response = requests.post(
        live_server.url + "/api/v1/discovery/reports",
        data=archive(files),
        headers=GZIP,
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def r740(**extra: str) -> dict[str, str]:
    files = machine_files("CLI740", macs=MACS, extra={"lsblk.json": TWO_SSDS, **extra})
    files["lspci-nnmm.txt"] = HOST_BRIDGE + T4 + T4.replace("3b:00.0", "d8:00.0")
    return files


def test_machine_list_show_and_events(cli: Command, live_server: LiveServer) -> None:
    report(live_server, r740())
    header, row = table_rows(cli("machine-list"))
    shown = dict(zip(header, row, strict=True))
    assert shown["serial"] == "CLI740"
    assert shown["product_name"] == "PowerEdge R740"
    assert shown["disks"] == "2x480G ssd"
    assert shown["gpus"] == "2x TU104GL [Tesla T4] (10de:1eb8)"
    assert shown["status"] == "live"
    assert shown["last_seen"]  # a time, not empty
    machine = cli.json("machine-show", "CLI740")
    assert machine["bios_version"] == "2.7.7"
    assert machine["system_uuid"] == "4c4c4544-0000-1000-8000-000000000000"
    assert [n["mac"] for n in machine["nic_list"] if n["is_physical"]] == list(MACS)
    assert machine["identity_conflict"] is None

    # A drive swapped: the event list says so, newest first.
    swapped = lsblk(("sda", 480103981056, "S4EVNX0N1"), ("sdb", 480103981056, "NEWDRIVE"))
    report(live_server, r740(**{"lsblk.json": swapped}))
    events = cli.json("event-list", "--machine", "CLI740")
    assert [e["kind"] for e in events] == ["disk-replaced", "discovered"]
    assert "serial NEWDRIVE" in events[0]["message"]
    assert cli("event-list", "--kind", "discovered", "-f", "value", "-c", "serial") == "CLI740\n"


def test_raw_reports_can_be_downloaded_as_sent(
    cli: Command, live_server: LiveServer, tmp_path: Path
) -> None:
    files = r740()
    report(live_server, files)
    [kept] = cli.json("machine-report-list", "CLI740")
    assert kept["source"] == "127.0.0.1" and kept["problems"] == []
    target = tmp_path / "r.tar.gz"
    cli("machine-report-get", "CLI740", "-o", str(target))
    with tarfile.open(target) as tar:
        members = {m.name.removeprefix("./"): m for m in tar.getmembers()}
        assert set(members) == set(files)
        dmi = tar.extractfile(members["dmidecode.txt"])
        assert dmi is not None and dmi.read().decode() == files["dmidecode.txt"]
    assert cli.fails("machine-report-get", "CLI740", "999999") == (
        "machine 'CLI740' has no kept report 999999"
    )


def test_reparse_applies_todays_parsers_to_kept_reports(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """A parser fix reaches machines that no longer report: simulate the
    inventory an older parser left (no GPUs, a wrong CPU), then reparse."""
    report(live_server, r740())
    with live_server.database.sessions() as session, session.begin():
        machine_id = session.scalar(select(Machine.id))
        session.execute(delete(PciDevice))
        session.execute(update(Machine).values(cpu_model="unknown", facts_digest=None))
    oci = Command("oci", base_env(tmp_path) | {"OCI_DATABASE_URL": live_server.database.url})
    result = oci.run("machine", "reparse", "--all")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "reparsed 1 machine(s)\n"
    assert "gpu added: TU104GL [Tesla T4] (10de:1eb8) at 0000:3b:00.0" in result.stderr
    with live_server.database.sessions() as session:
        machine = session.get(Machine, machine_id)
        assert machine is not None
        assert machine.cpu_model == "Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz"
        assert len([d for d in machine.pci_devices if d.class_id == "0302"]) == 2
        kinds = session.scalars(select(MachineEvent.kind).order_by(MachineEvent.id))
        assert list(kinds) == ["discovered", "gpu-added", "gpu-added", "cpu-changed"]
    assert "no machine with serial" in oci.run("machine", "reparse", "NOSUCH").stderr
    usage = oci.run("machine", "reparse")
    assert usage.returncode == 2 and "give MACHINE serials or --all" in usage.stderr
