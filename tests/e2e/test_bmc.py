"""BMC control through pyghmi against a simulated BMC (pyghmi's server side),
checked with Debian's ipmitool as a second, independent client."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.api.app import create_app
from oci.bmc import ipmi as bmc
from oci.config import Settings
from oci.models import Bmc, Machine, MachineStatus
from tests.helpers.bmcsim import running_bmcsim
from tests.helpers.commands import Command
from tests.helpers.database import Credentials
from tests.helpers.factories import machine
from tests.helpers.lab import alive
from tests.helpers.server import LiveServer, free_port

PASSWORD = "s3cret-Pw:#'\""  # characters a shell or a YAML would trip on


@dataclass(frozen=True)
class Sim:
    port: int
    password_file: Path

    def ipmitool(self, *args: str, password: str = PASSWORD) -> str:
        env = os.environ | {"IPMI_PASSWORD": password}
        result = subprocess.run(
            [*self.argv(), "-E", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def argv(self) -> list[str]:
        return ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(self.port), "-U", "admin"]

    def access(self, password: str = PASSWORD, timeout: float = 10) -> bmc.BmcAccess:
        return bmc.BmcAccess("127.0.0.1", self.port, "admin", password, timeout)


@contextmanager
def simulated_bmc(tmp_path: Path, *options: str) -> Iterator[Sim]:
    password_file = tmp_path / "bmc.pass"
    password_file.write_text(PASSWORD + "\n")
    with running_bmcsim(password_file, *options) as port:
        yield Sim(port, password_file)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with simulated_bmc(tmp_path) as running:
        yield running


def test_power_and_boot_device_through_pyghmi_seen_by_ipmitool(sim: Sim) -> None:
    access = sim.access()
    assert bmc.power_state(access) == "off"
    assert bmc.power(access, "on") == "on"
    assert "Chassis Power is on" in sim.ipmitool("power", "status")
    assert bmc.power(access, "cycle") == "on"
    assert bmc.power(access, "off") == "off"
    assert "Chassis Power is off" in sim.ipmitool("power", "status")
    assert bmc.power(access, "cycle") == "on"  # a cycle of a machine that is off starts it

    bmc.set_boot_device(access, "pxe", persistent=True, uefi=True)
    shown = sim.ipmitool("chassis", "bootparam", "get", "5")
    assert "Force PXE" in shown
    assert "Options apply to all future boots" in shown
    assert "BIOS EFI boot" in shown
    bmc.set_boot_device(access, "disk")
    shown = sim.ipmitool("chassis", "bootparam", "get", "5")
    assert "Force Boot from default Hard-Drive" in shown
    assert "Options apply to only next boot" in shown


def test_calls_at_once_on_one_bmc_all_answer(sim: Sim) -> None:
    # Two operators (or the server's workers) on one machine at once: pyghmi
    # shares one session between them, which one call's logout would end under
    # the other ("Session no longer connected") without oci's queue per BMC.
    with ThreadPoolExecutor(max_workers=6) as pool:
        states = list(pool.map(lambda _: bmc.power_state(sim.access()), range(18)))
    assert states == ["off"] * 18


def _started(pid_file: Path, other_than: int = 0) -> int:
    """The pid the powered-on command wrote, once it is a new one that runs."""
    for _ in range(100):
        text = pid_file.read_text().strip() if pid_file.exists() else ""
        if text and int(text) != other_than and alive(int(text)):
            return int(text)
        time.sleep(0.1)
    raise AssertionError(f"nothing new started: {pid_file}")


def _gone(pid: int) -> bool:
    for _ in range(100):
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_the_lab_bmc_starts_its_machine_at_power_on_and_ends_it_at_power_off(
    tmp_path: Path,
) -> None:
    # The lab's BMC runs QEMU at power-on (oci/lab/machines.py); a shell that
    # says it boots and then waits plays the machine here.
    pid_file, console = tmp_path / "machine.pid", tmp_path / "console.log"
    machine_command = shlex.join(
        ["sh", "-c", 'echo "$$" > "$1"; echo firmware starts; exec sleep 600', "sh", str(pid_file)]
    )
    options = ("--on-power-on", machine_command, "--console", str(console))
    with simulated_bmc(tmp_path, *options) as sim:
        access = sim.access()
        assert bmc.power_state(access) == "off" and not pid_file.exists()
        assert bmc.power(access, "on") == "on"
        first = _started(pid_file)
        assert "Chassis Power is on" in sim.ipmitool("power", "status")
        assert bmc.power(access, "on") == "on"  # already on: the same machine runs on
        assert _started(pid_file) == first

        assert "Chassis Power Control: Cycle" in sim.ipmitool("power", "cycle")
        assert _gone(first)
        second = _started(pid_file, other_than=first)
        assert console.read_text().count("firmware starts") == 2

        assert bmc.power(access, "off") == "off"
        assert _gone(second)
        assert "Chassis Power is off" in sim.ipmitool("power", "status")

        # a machine that powers itself off (the guest's poweroff) is off for its BMC
        assert "Chassis Power Control: Up/On" in sim.ipmitool("power", "on")
        third = _started(pid_file, other_than=second)
        os.kill(third, signal.SIGTERM)
        assert _gone(third)
        assert bmc.power_state(access) == "off"
        assert bmc.power(access, "cycle") == "on"
        fourth = _started(pid_file, other_than=third)
    # a BMC that is stopped takes its machine with it (oci lab down)
    assert _gone(fourth)


def test_a_wrong_password_and_a_dead_bmc_are_clear_errors(sim: Sim) -> None:
    for _ in range(2):  # asked again, the same clear answer (pyghmi kept the failed login)
        with pytest.raises(bmc.BmcError, match="refused a power status query: Incorrect password"):
            bmc.power_state(sim.access(password="wrong"))
    dead = bmc.BmcAccess("127.0.0.1", free_port(), "admin", PASSWORD, timeout=2)
    with pytest.raises(bmc.BmcTimeout, match=r"127\.0\.0\.1:\d+ did not answer"):
        bmc.power_state(dead)
    assert "admin@127.0.0.1" in repr(dead) and PASSWORD not in repr(dead)


@pytest.fixture
def cli(token_cli: Command, tmp_path: Path) -> Command:
    # machine-console's password file goes under the test's own runtime dir.
    run_dir = {"XDG_RUNTIME_DIR": str(tmp_path / "run")}
    return Command(token_cli.program, token_cli.env | run_dir, quiet=True)


def test_operator_commands_end_to_end(
    cli: Command, sim: Sim, live_server: LiveServer, tmp_path: Path
) -> None:
    with live_server.database.sessions() as session, session.begin():
        machine(session, "BMC1")
    refused = cli.run("machine-set-ipmi", "BMC1", "--username", "admin", "--password", "x")
    assert refused.returncode == 2 and "password on the command line is refused" in refused.stderr
    # Discovery saw no BMC address for this machine: the address is required then.
    missing = cli.run(
        "machine-set-ipmi", "BMC1", "--username", "admin", "--password-file", str(sim.password_file)
    )
    assert missing.returncode == 1 and "no BMC address known" in missing.stderr

    stored = cli.json(
        "machine-set-ipmi", "BMC1", "--username", "admin",
        "--password-file", str(sim.password_file), "--address", "127.0.0.1",
        "--port", str(sim.port),
    )  # fmt: skip
    assert stored["password_set"] is True and "password" not in stored
    assert PASSWORD not in cli("machine-show", "BMC1", "-f", "json")
    shown = cli.json("machine-ipmi-show", "BMC1")
    assert (shown["address"], shown["port"], shown["username"]) == ("127.0.0.1", sim.port, "admin")
    assert shown["password_set"] is True and PASSWORD not in json.dumps(shown)
    with live_server.database.sessions() as session:
        kept = session.scalar(select(Bmc.ipmi_password))
        assert kept and PASSWORD not in kept
    if live_server.database.backend == "sqlite":
        path = live_server.database.url.removeprefix("sqlite:///")
        for name in (path, path + "-wal"):
            if os.path.exists(name):
                assert PASSWORD.encode() not in Path(name).read_bytes()

    assert cli.json("machine-power", "BMC1", "status")["power"] == "off"
    assert cli.json("machine-power", "BMC1", "on")["power"] == "on"
    assert "Chassis Power is on" in sim.ipmitool("power", "status")
    cli("machine-bootdev", "BMC1", "pxe", "--persistent")
    assert "Options apply to all future boots" in sim.ipmitool("chassis", "bootparam", "get", "5")
    assert cli.json("machine-ipmi-reboot-on-hdd", "BMC1")["power"] == "on"
    assert "Force Boot from default Hard-Drive" in sim.ipmitool("chassis", "bootparam", "get", "5")
    # An installed machine booted on the network must get the live image, not its disk.
    state = select(Machine.status).where(Machine.serial == "BMC1")
    with live_server.database.sessions() as session, session.begin():
        session.scalars(select(Machine)).one().status = MachineStatus.INSTALLED
    assert cli.json("machine-ipmi-reboot-on-live", "BMC1")["power"] == "on"
    assert "Force PXE" in sim.ipmitool("chassis", "bootparam", "get", "5")
    with live_server.database.sessions() as session:
        assert session.scalar(state) == MachineStatus.LIVE

    # The console command names a private password file, not the password.
    command = cli("machine-console", "BMC1").strip()
    assert PASSWORD not in command
    argv = shlex.split(command)
    password_file = Path(argv[argv.index("-f") + 1])
    assert password_file.stat().st_mode & 0o077 == 0
    status = subprocess.run(
        [*argv[: argv.index("sol")], "power", "status"], capture_output=True, text=True, check=False
    )
    assert "Chassis Power is on" in status.stdout, status.stderr


def test_only_admins_see_the_password_and_a_dead_bmc_answers_in_time(
    settings: Settings, session: Session, admin: Credentials, reader: Credentials, sim: Sim
) -> None:
    app = create_app(settings.model_copy(update={"bmc_timeout": 2.0}))
    client = app.test_client()
    machine(session, "BMC2")
    session.commit()
    body = {"username": "admin", "password": PASSWORD, "address": "127.0.0.1", "port": sim.port}
    assert (
        client.put("/api/v1/machines/BMC2/ipmi", json=body, headers=reader.bearer).status_code
        == 403
    )
    assert (
        client.put("/api/v1/machines/BMC2/ipmi", json=body, headers=admin.bearer).status_code == 200
    )
    revealed = client.get("/api/v1/machines/BMC2/ipmi/password", headers=reader.bearer)
    assert revealed.status_code == 403
    shown = client.get("/api/v1/machines/BMC2/ipmi", headers=reader.bearer).get_json()
    assert shown["password_set"] is True and PASSWORD not in str(shown)

    body["port"] = free_port()  # nothing listens there
    client.put("/api/v1/machines/BMC2/ipmi", json=body, headers=admin.bearer)
    response = client.get("/api/v1/machines/BMC2/power", headers=reader.bearer)
    assert response.status_code == 504
    # "within 2 s": our deadline (bmc_timeout) ended the wait, not pyghmi's retries.
    message = response.get_json()["error"]["message"]
    assert message == (
        f"the BMC at 127.0.0.1:{body['port']} did not answer a power status query within 2 s"
    )
