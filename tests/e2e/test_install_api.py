"""machine-install-os, machine-install-log and machine-reboot-on-* through a real
server, real ocicli and a real sshd on loopback playing the machine's live system.

The sshd runs on this test host, so the installer really runs here: it must
(and does) refuse, because this host's serial is not the machine's. That
refusal travels the whole way a real install's end does: the installer's
report to the status endpoint, the log read back over SSH, the CLI's exit.
The installer's own steps are tested in tests/e2e/test_install_real.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from oci.inventory import status as machine_status
from oci.models import Machine, MachineEvent, MachineStatus
from tests.helpers.commands import BIN, Command
from tests.helpers.paths import FIXTURES
from tests.helpers.reports import archive, machine_files
from tests.helpers.server import LiveServer

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the installer runs as root")

SERIAL = "INSTALL-1"
GZIP = {"Content-Type": "application/gzip"}


def status_of(live_server: LiveServer) -> MachineStatus:
    with live_server.database.sessions() as session:
        return session.scalar(select(Machine.status).where(Machine.serial == SERIAL))


def events_of(live_server: LiveServer) -> list[str]:
    with live_server.database.sessions() as session:
        return list(
            session.scalars(
                select(MachineEvent.message)
                .join(Machine)
                .where(Machine.serial == SERIAL, MachineEvent.kind == "status-changed")
                .order_by(MachineEvent.id)
            )
        )


@pytest.fixture
def live_machine(
    token_cli: Command, live_server: LiveServer, live_sshd: tuple[int, str, Path]
) -> int:
    """A machine discovered from 127.0.0.1 with the sshd's host key; its SSH port."""
    port, host_public, key_file = live_sshd
    # The server logs in with its own key: the one the sshd lets in.
    server_key = live_server.log.parent / "ssh" / "id_ed25519"
    server_key.parent.mkdir(mode=0o700, exist_ok=True)
    for suffix in ("", ".pub"):
        Path(f"{server_key}{suffix}").write_bytes(Path(f"{key_file}{suffix}").read_bytes())
    server_key.chmod(0o600)
    # The QEMU capture's SATA and NVMe disks, grown to a size worth installing on.
    disks = json.loads((FIXTURES / "qemu-q35-fake-server" / "lsblk.json").read_text())
    for disk in disks["blockdevices"]:
        disk["size"] = 480_103_981_056
    files = machine_files(
        SERIAL,
        macs=("00:1b:21:70:00:01", "00:1b:21:70:00:02"),
        extra={"lsblk.json": json.dumps(disks)},
    )
    files["ssh-host-keys.txt"] = host_public + "\n"
    response = requests.post(
        live_server.url + "/api/v1/discovery/reports", data=archive(files), headers=GZIP, timeout=30
    )
    assert response.status_code == 201, response.text
    return port


def enrol(token_cli: Command) -> None:
    token_cli("swift-region-create", "region1")
    token_cli("location-create", "zone1", "region1")
    token_cli("network-create", "mgmt", "192.168.90.0", "24", "zone1", "no")
    token_cli("cluster-create", "cl9", "example.com")
    token_cli("network-add", "mgmt", "cl9", "all", "eno1")
    token_cli("machine-add", SERIAL, "cl9", "compute", "zone1")


def reported(live_server: LiveServer, status: MachineStatus) -> None:
    """What the installer's own report to the status endpoint does."""
    with live_server.database.sessions() as session, session.begin():
        machine_status.change_status(session, SERIAL, status, message="oci-install")


def test_not_enrolled_is_refused_and_nothing_changes(
    token_cli: Command, live_server: LiveServer, live_machine: int
) -> None:
    refused = token_cli.run("machine-install-os", SERIAL, "--port", str(live_machine))
    assert refused.returncode == 1
    assert "machine-add it first" in refused.stderr
    assert status_of(live_server) == MachineStatus.LIVE and events_of(live_server) == []
    hdd = token_cli.run("machine-reboot-on-hdd", SERIAL, "--port", str(live_machine))
    assert hdd.returncode == 1 and "there is no installed system to boot" in hdd.stderr


def test_install_refused_by_the_installer_is_followed_to_install_failed(
    token_cli: Command, live_server: LiveServer, live_machine: int
) -> None:
    enrol(token_cli)

    # An SSH port nothing listens on: the install is not started, and says why.
    dead = token_cli.run("machine-install-os", SERIAL, "--port", "1")
    assert dead.returncode == 1 and "cannot log in to root@127.0.0.1:1" in dead.stderr
    assert status_of(live_server) == MachineStatus.INSTALL_FAILED

    # Again (install-failed may be retried), to the live system: the installer
    # runs, finds it is not on INSTALL-1, refuses before touching a disk and
    # reports install-failed itself; --follow prints its log to that end.
    result = token_cli.run(
        "machine-install-os", SERIAL, "--port", str(live_machine), "--follow", "--interval", "0.5"
    )
    assert result.returncode == 1, result.stderr
    assert "installer started on root@127.0.0.1" in result.stdout
    assert "==> [1] check" in result.stdout
    assert f"this machine's serial is not {SERIAL}" in result.stdout
    assert result.stdout.rstrip().endswith(f"machine {SERIAL}: install-failed")
    assert status_of(live_server) == MachineStatus.INSTALL_FAILED
    moves = events_of(live_server)
    assert moves[0].startswith("status live -> installing: machine-install-os by admin")
    assert moves[1].startswith("status installing -> install-failed: not started: cannot log in")
    assert moves[2].startswith("status install-failed -> installing")
    assert moves[3].startswith("status installing -> install-failed") and "check" in moves[3]

    # The log stays readable, from any byte on.
    whole = token_cli("machine-install-log", SERIAL, "--port", str(live_machine))
    assert "==> [1] check" in whole
    tail = token_cli("machine-install-log", SERIAL, "--port", str(live_machine), "--offset", "10")
    assert tail == whole[10:]

    # Following the log of an install that is over ends at once, on its status.
    followed = token_cli.run("machine-install-log", SERIAL, "--port", str(live_machine), "-f")
    assert followed.returncode == 1
    assert followed.stdout == whole + f"machine {SERIAL}: install-failed\n"
    # Its live system gone (SSH refused): the status still ends the follow.
    gone = token_cli.run("machine-install-log", SERIAL, "--port", "1", "-f", "--interval", "0.2")
    assert gone.returncode == 1, gone.stderr
    assert "the machine is install-failed)" in gone.stderr and "retrying" not in gone.stderr
    assert gone.stdout == f"machine {SERIAL}: install-failed\n"


def test_the_log_of_a_machine_never_installed_is_a_clear_error(
    token_cli: Command, live_machine: int
) -> None:
    if Path("/var/log/oci-install.log").exists():  # another test's installer ran here
        Path("/var/log/oci-install.log").unlink()
    missing = token_cli.run("machine-install-log", SERIAL, "--port", str(live_machine))
    assert missing.returncode == 1
    assert "no installer log: was machine-install-os run?" in missing.stderr


def test_following_keeps_asking_while_the_live_system_and_the_server_are_slow(
    token_cli: Command, live_server: LiveServer, live_machine: int
) -> None:
    enrol(token_cli)
    reported(live_server, MachineStatus.INSTALLING)
    # A live system too busy installing to say a word: SSH connections are
    # taken and left unanswered, so the server's log read outlasts ocicli's
    # --timeout of 1 s. A follow keeps asking; the installer's own report of
    # its end is what ends it.
    with socket.create_server(("127.0.0.1", 0)) as busy:
        argv = ["--timeout", "1", "machine-install-log", SERIAL, "-f", "--interval", "0.2"]
        follow = subprocess.Popen(
            [str(BIN / "ocicli"), *argv, "--port", str(busy.getsockname()[1])],
            env=token_cli.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            time.sleep(6)
            assert follow.poll() is None, follow.communicate()
            reported(live_server, MachineStatus.INSTALL_FAILED)
        finally:
            busy.close()  # the server's waiting logins now fail at once
            out, err = follow.communicate(timeout=90)
    assert follow.returncode == 1, err
    assert err.count("did not answer in time; retrying") >= 2, err
    assert "the machine is install-failed)" in err
    assert out == f"machine {SERIAL}: install-failed\n"


def test_following_with_no_server_at_the_url_fails_at_once(tmp_path: Path) -> None:
    from tests.helpers.cli import clean_env

    env = clean_env(tmp_path) | {"OCI_API_URL": "http://127.0.0.1:1", "OCI_API_TOKEN": "x"}
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "ocicli"), "machine-install-log", SERIAL, "-f"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot reach the oci server at http://127.0.0.1:1" in result.stderr
    assert "retrying" not in result.stderr and time.monotonic() - started < 30
