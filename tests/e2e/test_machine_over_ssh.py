"""machine-wipe and machine-gen-root-pass through a real server, real ocicli and a
real sshd on loopback playing the machine. The disk tools and chpasswd are
stand-ins on the sshd's PATH that write down what they get: this host's disks
and passwords are never touched."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, update

from oci.models import Machine, MachineStatus
from oci.models.types import utcnow
from tests.helpers.commands import Command
from tests.helpers.paths import FIXTURES
from tests.helpers.reports import archive, machine_files
from tests.helpers.server import LiveServer
from tests.helpers.sshd import running_sshd

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root")

SERIAL = "WIPE-1"
TOOLS = ("wipefs", "dd", "partprobe", "mdadm")


@pytest.fixture
def live(token_cli: Command, live_server: LiveServer, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """(SSH port, the tools' log) of a live machine WIPE-1 with the QEMU capture's disks."""
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    log = tmp_path / "tools.log"
    for tool in TOOLS:
        (stubs / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\n')
        (stubs / tool).chmod(0o755)
    # The server logs in with its own key (made here if need be), which the sshd lets in.
    server_key = live_server.log.parent / "ssh" / "id_ed25519"
    server_key.parent.mkdir(mode=0o700, exist_ok=True)
    (tmp_path / "sshd").mkdir()
    with running_sshd(tmp_path / "sshd", server_key, path=f"{stubs}:/usr/bin:/bin") as (
        port,
        host_public,
    ):
        disks = json.loads((FIXTURES / "qemu-q35-fake-server" / "lsblk.json").read_text())
        files = machine_files(
            SERIAL,
            macs=("00:1b:21:71:00:01", "00:1b:21:71:00:02"),
            extra={"lsblk.json": json.dumps(disks)},
        )
        files["ssh-host-keys.txt"] = host_public + "\n"
        sent = requests.post(
            live_server.url + "/api/v1/discovery/reports",
            data=archive(files),
            headers={"Content-Type": "application/gzip"},
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        yield port, log


def test_wipe_runs_the_tools_on_each_disk(
    token_cli: Command, live_server: LiveServer, live: tuple[int, Path]
) -> None:
    port, log = live
    disks = token_cli("machine-blk", SERIAL, "-f", "value", "-c", "name").split()
    assert disks
    wiped = json.loads(token_cli("machine-wipe", SERIAL, "--port", str(port), "-f", "json"))
    assert wiped["wiped"] == disks
    ran = log.read_text().splitlines()
    for disk in disks:
        assert f"wipefs -a /dev/{disk}" in ran
        assert f"dd if=/dev/zero of=/dev/{disk} bs=1M count=100 conv=fsync" in ran
    assert ran[-1] == "partprobe "
    assert "disks wiped: " + ", ".join(disks) in token_cli("event-list", "--machine", SERIAL)


def test_wipe_refuses_a_machine_not_live(
    token_cli: Command, live_server: LiveServer, live: tuple[int, Path]
) -> None:
    port, log = live
    with live_server.database.sessions() as session:
        session.execute(
            update(Machine).where(Machine.serial == SERIAL).values(status=MachineStatus.INSTALLING)
        )
        session.commit()
    says = token_cli.fails("machine-wipe", SERIAL, "--port", str(port))
    assert "is installing, not live" in says
    assert not log.exists()
    assert "no machine" in token_cli.fails("machine-wipe", "NOPE")


def test_root_password_set_over_ssh_on_an_installed_machine(
    token_cli: Command, live_server: LiveServer, live: tuple[int, Path], tmp_path: Path
) -> None:
    """OCI sets it with chpasswd over SSH: here on the stand-in, which keeps its stdin."""
    port, _ = live
    chpasswd = tmp_path / "stubs" / "chpasswd"
    chpasswd.write_text(f"#!/bin/sh\ncat > {tmp_path}/chpasswd.in\n")
    chpasswd.chmod(0o755)
    token_cli("swift-region-create", "region1")
    token_cli("location-create", "zone1", "region1")
    token_cli("network-create", "loop", "127.0.0.0", "31", "zone1", "no")
    token_cli("cluster-create", "cl9", "example.com")
    token_cli("network-add", "loop", "cl9", "all", "eno1")
    token_cli("machine-add", "--fixed-ip", "127.0.0.1", SERIAL, "cl9", "compute", "zone1")
    live_one = json.loads(token_cli("machine-gen-root-pass", SERIAL, "-f", "json"))
    assert live_one["applied"] == "set by the next install (machine-install-os)"
    assert not (tmp_path / "chpasswd.in").exists()

    with live_server.database.sessions() as session:
        session.execute(
            update(Machine).where(Machine.serial == SERIAL).values(status=MachineStatus.INSTALLED)
        )
        session.commit()
    made = json.loads(token_cli("machine-gen-root-pass", SERIAL, "--port", str(port), "-f", "json"))
    assert made["applied"] == f"set on root@127.0.0.1:{port} with chpasswd"
    assert (tmp_path / "chpasswd.in").read_text() == f"root:{made['root_password']}\n"
    # Unreachable: said, and kept for the next install.
    chpasswd.write_text("#!/bin/sh\necho 'chpasswd: PAM said no' >&2\nexit 1\n")
    failed = json.loads(
        token_cli("machine-gen-root-pass", SERIAL, "--port", str(port), "-f", "json")
    )
    assert failed["applied"] == (
        f"not set now (chpasswd on root@127.0.0.1:{port}: chpasswd: PAM said no); "
        "set by the next install (machine-install-os)"
    )


def _mark(live_server: LiveServer) -> datetime | None:
    with live_server.database.sessions() as session:
        return session.scalar(select(Machine.bmc_setup_until).where(Machine.serial == SERIAL))


def test_wipe_holds_the_machine_mark_and_waits_for_another_run(
    token_cli: Command, live_server: LiveServer, live: tuple[int, Path], tmp_path: Path
) -> None:
    """Found in review: a wipe took no mark, so a RAID build (or a BMC run) could
    start while the disks were zeroed, and a wipe started during one."""
    port, log = live
    held = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    with live_server.database.sessions() as session:
        session.execute(
            update(Machine).where(Machine.serial == SERIAL).values(bmc_setup_until=held)
        )
        session.commit()
    says = token_cli.fails("machine-wipe", SERIAL, "--port", str(port))
    assert f"a BMC, RAID or wipe run on machine {SERIAL} is in progress" in says
    assert "wait for it, then wipe" in says
    assert not log.exists()  # nothing ran
    assert _mark(live_server) == held  # the other run's, untouched

    # Its own mark while the tools run (the stand-in waits for the test), cleared after.
    with live_server.database.sessions() as session:
        session.execute(
            update(Machine).where(Machine.serial == SERIAL).values(bmc_setup_until=None)
        )
        session.commit()
    seen, go = tmp_path / "running", tmp_path / "go"
    wipefs = tmp_path / "stubs" / "wipefs"
    wipefs.write_text(
        f'#!/bin/sh\necho "wipefs $*" >> {log}\ntouch {seen}\n'
        f"for i in $(seq 100); do [ -e {go} ] && exit 0; sleep 0.1; done\n"
    )
    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(token_cli, "machine-wipe", SERIAL, "--port", str(port), "-f", "json")
        deadline = time.monotonic() + 20
        while not seen.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        during = _mark(live_server)
        go.touch()
        done.result(timeout=30)
    assert during is not None and during > utcnow()
    assert _mark(live_server) is None

    # A failing tool: a 502, and the mark cleared all the same.
    wipefs.write_text("#!/bin/sh\necho 'wipefs: probing failed' >&2\nexit 1\n")
    failed = token_cli.fails("machine-wipe", SERIAL, "--port", str(port))
    assert "probing failed" in failed
    assert _mark(live_server) is None
