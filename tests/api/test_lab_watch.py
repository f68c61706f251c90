"""`oci lab up`'s watcher against a real server enrolling hands-free, without QEMU.

A real `oci serve` (SQLite) configured as the lab configures its own (profiles
directory with the lab's file, enrolment on the first report) receives a
report as the lab's agent would send it. When no profile matches, the
watcher says why the machine is held and gives up at its deadline naming
that reason; once the operator fixes the profiles file, the next report
enrols the machine and the watcher shows matched, placed and enrolled. A
machine enrolled on a report where one NIC had not heard its switch yet is
waited for until a report shows both cables. A machine whose QEMU stopped is
not waited for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import requests

from oci import migrate
from oci.cli.client import ApiClient
from oci.db import make_engine
from oci.lab import enrol
from oci.lab.command import fill_example
from oci.lab.fleet import LabMachine, fleet
from oci.lab.machines import machine_dir
from oci.lab.watch import watch
from tests.helpers.database import Database, make_user
from tests.helpers.reports import archive, lldpctl_json, machine_files
from tests.helpers.server import serve


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[tuple[ApiClient, Path]]:
    url = f"sqlite:///{tmp_path / 'oci.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    database = Database("sqlite", url, engine)
    token = make_user(database, "admin", admin=True).token
    profiles = tmp_path / "profiles"
    enrol.install_profiles(profiles)
    settings = {f"OCI_{key.upper()}": str(value) for key, value in enrol.SETTINGS.items()}
    with serve(database, tmp_path, settings | {"OCI_PROFILES_DIR": str(profiles)}) as server:
        yield ApiClient(server.url, token=token), profiles / enrol.PROFILES_FILE
    engine.dispose()


@pytest.fixture
def powered_on(tmp_path: Path) -> Iterator[tuple[Path, list[LabMachine]]]:
    """lab1 and lab2 of the fleet, each with a process standing for its QEMU
    (what `running` checks: its command line holds "-name labN " as QEMU's does)."""
    lab = tmp_path / "lab"
    machines = fleet(2, list(range(8)))
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    processes = []
    for machine in machines:
        directory = machine_dir(lab, machine)
        directory.mkdir(parents=True)
        processes.append(subprocess.Popen([*sleeper, "-name", machine.name, "x"]))
        (directory / "qemu.pid").write_text(f"{processes[-1].pid}\n")
    (lab / "server.log").write_text("")
    yield lab, machines
    for process in processes:
        process.kill()
        process.wait()


def agent_report(client: ApiClient, machine: LabMachine, *, second_nic_up: bool = True) -> None:
    """The agent's report: a real PowerEdge R740's tools, the lab machine's
    identity, its NICs hearing the lab's switches (the second one only when its
    link is up)."""
    wires = machine.wires if second_nic_up else machine.wires[:1]
    lldp = lldpctl_json([(f"eno{i + 1}", w.switch, w.port) for i, w in enumerate(wires)])
    files = machine_files(
        machine.serial, machine.uuid, tuple(machine.macs), extra={"lldpctl.json": lldp}
    )
    if not second_nic_up:
        links = json.loads(files["ip-link.json"])
        links[2]["flags"].remove("LOWER_UP")
        files["ip-link.json"] = json.dumps(links)
    response = requests.post(
        client.base_url + "/api/v1/discovery/reports",
        data=archive(files),
        headers={"Content-Type": "application/gzip"},
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text


def test_a_held_machine_says_why_then_enrols_once_the_profiles_fit(
    lab_server: tuple[ApiClient, Path], powered_on: tuple[Path, list[LabMachine]]
) -> None:
    client, profiles_file = lab_server
    lab, (machine, lab2) = powered_on
    fill_example(client)
    agent_report(client, machine)  # a PowerEdge R740: none of the lab's profiles

    lines: list[str] = []
    with pytest.raises(click.ClickException) as held:
        watch(lab, lab / "server.log", client, [machine], 1, lines.append)
    assert held.value.message == (
        "not enrolled within 1 s: lab1: not enrolled: no hardware profile matches "
        "(the lab keeps running: oci lab status, oci lab down)"
    )
    assert [line.split("] ", 1)[1] for line in lines] == [
        "lab1 (BIOS): discovered",
        "lab1 (BIOS): located dc1-r2-rack5-sw1:swp1, dc1-r2-rack5-sw2:swp1",
        "lab1 (BIOS): held: not enrolled: no hardware profile matches",
    ]

    # The operator's fix: a profile for it; the server re-reads the file, the
    # next report enrols.
    text = profiles_file.read_text()
    mine = '  - {name: r740, role: controller, cluster: cl1, match: {product: "PowerEdge R740"}}\n'
    profiles_file.write_text(text.replace("\nswitches:", f"{mine}\nswitches:"))
    agent_report(client, machine)
    lines.clear()
    times = watch(lab, lab / "server.log", client, [machine], 30, lines.append)
    assert [line.split("] ", 1)[1] for line in lines] == [
        "lab1 (BIOS): discovered",
        "lab1 (BIOS): located dc1-r2-rack5-sw1:swp1, dc1-r2-rack5-sw2:swp1",
        "lab1 (BIOS): matched profile r740",
        "lab1 (BIOS): placed rack dc1/2/5 U1, aggregate az-dc1-r2",
        "lab1 (BIOS): enrolled cl1-controller-1.example.com: cluster cl1, role controller, "
        "AZ zone1, 192.168.101.2 (mgmt-zone1)",  # no address on the public network
    ]
    assert times["lab1"].enrolled is not None

    # Enrolled on a report where its second NIC's link was not up yet: the lab
    # waits for the report that shows both cables.
    agent_report(client, lab2, second_nic_up=False)
    lines.clear()
    with pytest.raises(click.ClickException) as late:
        watch(lab, lab / "server.log", client, [lab2], 1, lines.append)
    assert late.value.message.startswith(
        "not enrolled within 1 s: lab2: enrolled, but its LLDP neighbours lack a switch port "
        "it is cabled to"
    )
    assert [line.split("] ", 1)[1].split(" ")[2] for line in lines] == [
        "discovered",
        "matched",
        "placed",
        "enrolled",
    ]
    lines.clear()
    next_report = threading.Timer(1.5, agent_report, (client, lab2))
    next_report.start()
    try:
        times = watch(lab, lab / "server.log", client, [lab2], 30, lines.append)
    finally:
        next_report.join()
    assert [line.split("] ", 1)[1].split(" ")[2] for line in lines] == [
        "discovered",
        "matched",
        "placed",
        "enrolled",
        "located",
    ]
    assert lines[-1].endswith("located dc1-r2-rack5-sw1:swp2, dc1-r2-rack5-sw2:swp2")
    assert times["lab2"].located is not None and times["lab2"].enrolled is not None

    # A machine whose QEMU is gone is not waited for.
    lab3 = fleet(3, list(range(12)))[2]
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], stdout=-1)
    machine_dir(lab, lab3).mkdir(parents=True)
    (machine_dir(lab, lab3) / "qemu.pid").write_bytes(gone.stdout)
    (machine_dir(lab, lab3) / "console.log").write_text("oci-init: modprobe nvme failed\n")
    with pytest.raises(click.ClickException) as stopped:
        watch(lab, lab / "server.log", client, [machine, lab3], 30, lines.append)
    assert stopped.value.message == (
        "lab3 stopped before it was enrolled (the lab keeps running: oci lab status, "
        "oci lab down):\noci-init: modprobe nvme failed\n"
    )
