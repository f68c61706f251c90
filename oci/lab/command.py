"""``oci lab``: a private oci server with an example cluster and machines that PXE-boot from it."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from oci import migrate, templates
from oci.bmc import ipmi as bmc
from oci.cli.client import ApiClient, ApiError
from oci.config import load_settings
from oci.db import make_engine, make_sessionmaker
from oci.lab import enrol
from oci.lab.fleet import SERVER_ADDRESS, LabMachine, fleet
from oci.lab.machines import (
    SWITCH_MARKER,
    free_tcp_ports,
    free_udp_ports,
    load_fleet,
    machine_dir,
    prepare_boot_image,
    qemu_marker,
    running,
    save_fleet,
    start_machine,
    start_switch,
    stop_everything,
    write_private,
)
from oci.lab.progress import stage, where
from oci.lab.watch import watch
from oci.security import users

LOGIN = "admin"

# The example the README tour walks through: one region, two locations, a
# management and a public network, and a cluster.
EXAMPLE: list[tuple[str, dict[str, Any]]] = [
    ("swift-regions", {"name": "region1"}),
    ("locations", {"name": "zone1", "swift_region": "region1"}),
    ("locations", {"name": "zone2", "swift_region": "region1"}),
    (
        "networks",
        {
            "name": "mgmt-zone1",
            "address": "192.168.101.0",
            "prefix_length": 24,
            "location": "zone1",
            "is_public": False,
        },
    ),
    (
        "networks",
        {
            "name": "mgmt-zone2",
            "address": "192.168.102.0",
            "prefix_length": 24,
            "location": "zone2",
            "is_public": False,
        },
    ),
    (
        "networks",
        {
            "name": "public",
            "address": "203.0.113.0",
            "prefix_length": 28,
            "location": "zone1",
            "is_public": True,
        },
    ),
    ("clusters", {"name": "cl1", "domain": "example.com"}),
]
# network-add: every machine gets a management address; the public network
# (role controller: the controllers carry the VIP) reserves the cluster's API
# VIP and gives no machine an address, as OCI. All on the first NIC
# (10 Gbit/s; the other is a 1 Gbit/s e1000e): it is the one on QEMU's user
# network, which speaks no LACP, so no bond.
ATTACHMENTS: list[tuple[str, dict[str, Any]]] = [
    ("mgmt-zone1", {"cluster": "cl1", "role": "all", "iface1": "10g1"}),
    ("mgmt-zone2", {"cluster": "cl1", "role": "all", "iface1": "10g1"}),
    ("public", {"cluster": "cl1", "role": "controller", "iface1": "10g1"}),
]


class Lab:
    def __init__(self, directory: Path, port: int) -> None:
        self.dir = directory.resolve()
        self.port = port
        self.pid_file = self.dir / "server.pid"
        self.log_file = self.dir / "server.log"
        self.env_file = self.dir / "env"
        self.password_file = self.dir / "admin-password"
        self.api_url = f"http://127.0.0.1:{port}"

    @property
    def server_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
        env["OCI_DATA_DIR"] = str(self.dir / "data")
        env["OCI_CONFIG"] = str(self.dir / "oci.toml")
        return env

    def running_pid(self) -> int | None:
        """The server's pid, if it still runs: a reused pid of another program is not it."""
        try:
            pid = int(self.pid_file.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        if b"serve" not in cmdline or not any(arg.endswith(b"oci") for arg in cmdline):
            return None
        return pid


def _lab(directory: str, port: int) -> Lab:
    return Lab(Path(directory), port)


dir_option = click.option(
    "--dir", "directory", default=".lab", show_default=True, help="Lab state directory."
)


@click.group()
def lab() -> None:
    """A local lab: a server on SQLite with an example cluster."""


@lab.command()
@dir_option
@click.option("--port", default=8080, show_default=True, help="Server port on 127.0.0.1.")
@click.option(
    "--machines",
    type=click.IntRange(0, 16),
    default=0,
    show_default=True,
    help="QEMU machines to PXE-boot (even ones BIOS, odd ones UEFI).",
)
@click.option(
    "--live-image",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Boot this built live image (oci live-image build) instead of the lab's "
    "small initramfs; machines get 2 GiB.",
)
@click.option(
    "--timeout",
    default=600,
    show_default=True,
    help="Seconds to wait for the machines to be enrolled.",
)
@click.option("--no-wait", is_flag=True, help="Start the machines and return at once.")
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("~/.cache/oci-lab"),
    show_default=True,
    help="Where the Debian kernel is downloaded once.",
)
def up(
    directory: str,
    port: int,
    machines: int,
    live_image: Path | None,
    timeout: int,
    no_wait: bool,
    cache: Path,
) -> None:
    """Start the server, an example cluster and N machines that PXE-boot from it.

    The server runs in the background on SQLite; it serves the boot scripts
    and the image the machines boot (the small lab initramfs by default, the
    full live image with --live-image). Each machine is a QEMU guest under
    TCG with its own SMBIOS serial and product, an NVMe and a SATA disk, two
    NICs wired to an emulated switch that sends LLDP frames, and a simulated
    BMC (IPMI on a UDP port of 127.0.0.1) that powers it on; it PXE-boots
    through its NIC's iPXE ROM. The server enrols them hands-free on their
    first report: the lab's hardware profiles (DIR/profiles/lab.yaml) give
    each its role in cluster cl1, the switch rules its rack and
    availability zone from LLDP. Progress shows each machine's stage until
    it is enrolled; then the lab gives the server each BMC (machine-set-ipmi),
    so `ocicli machine-power SERIAL off|on|cycle` drives the machine.

    \b
    Examples:
      oci lab up                       # the server and the example cluster only
      oci lab up --machines 2          # and two machines, one BIOS, one UEFI
      oci lab up --machines 1 --live-image /var/lib/oci/live-image
    """
    here = _lab(directory, port)
    here.dir.mkdir(parents=True, exist_ok=True)
    running = here.running_pid()
    if running:
        raise click.ClickException(f"the lab already runs (pid {running}); `oci lab down` first")
    steps = 6 if machines else 4
    boot_dir = (live_image or here.dir / "boot-image").resolve()
    profiles_dir = here.dir / "profiles"
    # json.dumps of a str is a valid TOML basic string
    (here.dir / "oci.toml").write_text(
        f"listen_port = {port}\nworkers = {4 if machines else 2}\n"
        f"live_image_dir = {json.dumps(str(boot_dir))}\n"
        f"profiles_dir = {json.dumps(str(profiles_dir))}\n"
        # Installers and installed nodes report their status to the host as
        # QEMU's user network shows it, not to the loopback the API listens on.
        f'node_api_url = "http://{SERVER_ADDRESS}:{port}"\n'
        + "".join(f"{key} = {value}\n" for key, value in enrol.SETTINGS.items())
    )
    settings = load_settings(environ=here.server_env)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    click.echo(f"[1/{steps}] database {url}")
    migrate.upgrade(url)

    click.echo(f"[2/{steps}] admin user {LOGIN!r}")
    token = _ensure_admin(url, here)

    click.echo(f"[3/{steps}] server on {here.api_url}")
    _start_server(here, port)

    click.echo(f"[4/{steps}] example cluster")
    client = ApiClient(here.api_url, token=token)
    fill_example(client)
    kept = "" if enrol.install_profiles(profiles_dir) else " (kept: already there)"
    click.echo(
        f"      hardware profiles and switch rules: {profiles_dir / enrol.PROFILES_FILE}{kept}; "
        "enrolment on the first report"
    )

    if machines and live_image:
        click.echo(f"[5/{steps}] boot image: the live image in {boot_dir}")
    elif machines:
        click.echo(f"[5/{steps}] boot image: the lab initramfs in {boot_dir}")
        try:
            prepare_boot_image(boot_dir, cache.expanduser(), lambda m: click.echo(f"      {m}"))
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            raise click.ClickException(f"cannot build the lab's boot image: {exc}") from exc
    if machines:
        click.echo(f"[6/{steps}] {machines} machine(s) PXE-booting from {here.api_url}/boot/ipxe")
        memory = 2048 if live_image else 1024
        lab_machines = _start_machines(here, machines, port, memory)
        if no_wait:
            for line in enrol.set_ipmi_commands(here.dir, lab_machines):
                click.echo(f"      {line}")
        else:
            times = watch(here.dir, here.log_file, client, lab_machines, timeout, click.echo)
            for machine in lab_machines:
                took = times[machine.name]
                click.echo(
                    f"      {machine.name} {machine.firmware}: power-on to discovered with LLDP "
                    f"in {_seconds(took.located)}, to enrolled in {_seconds(took.enrolled)}"
                )
            try:
                enrol.register_bmcs(client, here.dir, lab_machines, click.echo)
            except ApiError as exc:
                raise click.ClickException(f"a BMC was not registered: {exc}") from exc
    click.echo(
        templates.render(
            "lab-welcome.txt.j2",
            api_url=here.api_url,
            log_file=here.log_file,
            database=url,
            login=LOGIN,
            env_file=here.env_file,
            password_file=here.password_file,
            cluster="cl1",
            machines=machines,
            machines_dir=here.dir / "machines",
            profiles_file=profiles_dir / enrol.PROFILES_FILE,
            status_command=f"oci lab status --dir {shlex.quote(directory)}",
            down_command=f"make lab-down  (or: oci lab down --dir {shlex.quote(directory)})",
        )
    )


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} s"


def fill_example(client: ApiClient) -> None:
    for resource, body in EXAMPLE:
        try:
            client.post(ApiClient.path(resource), body)
            click.echo(f"      created {resource[:-1]} {body['name']}")
        except ApiError as exc:
            if exc.status != 409:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"      kept {resource[:-1]} {body['name']} (already there)")
    for network, body in ATTACHMENTS:
        try:
            client.post(ApiClient.path("networks", network, "attachment"), body)
            click.echo(f"      attached network {network} to {body['cluster']} ({body['role']})")
        except ApiError as exc:
            if exc.status != 409:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"      kept network {network} attached (already there)")


def _start_machines(here: Lab, count: int, port: int, memory: int) -> list[LabMachine]:
    """The switch, then each machine, powered on through its BMC; machines the
    lab already knew are powered off first."""
    known, _ = load_fleet(here.dir)
    stop_everything(here.dir, known)
    udp = free_udp_ports(5 * count)  # in one call, so that they differ
    lab_machines = fleet(
        count, udp[: 4 * count], ssh_ports=free_tcp_ports(count), bmc_ports=udp[4 * count :]
    )
    boot_url = f"http://{SERVER_ADDRESS}:{port}/boot/ipxe"  # the host, from QEMU's user network
    save_fleet(here.dir, lab_machines, {"boot_url": boot_url, "started": time.time()})
    pid = start_switch(here.dir, lab_machines)
    switches = sorted({wire.switch for machine in lab_machines for wire in machine.wires})
    click.echo(f"      switch (pid {pid}): {', '.join(switches)}")
    for machine in lab_machines:
        try:
            pid = start_machine(here.dir, machine, boot_url, memory)
        except (OSError, RuntimeError, bmc.BmcError) as exc:
            raise click.ClickException(
                f"cannot power {machine.name} on: {exc}\n(`oci lab down` stops what started)"
            ) from exc
        wires = ", ".join(f"{w.mac}->{w.switch}:{w.port}" for w in machine.wires)
        click.echo(
            f"      {machine.name} (pid {pid}) {machine.firmware} {machine.product} "
            f"serial {machine.serial}: {wires}, ssh 127.0.0.1:{machine.ssh_port}, "
            f"powered on through its BMC at 127.0.0.1:{machine.bmc_port}"
        )
    return lab_machines


def _ensure_admin(url: str, here: Lab) -> str:
    """An admin and a working API token for the lab; returns the token.

    The env file exports only the URL and the token: exporting OCI_PASSWORD
    would hand the admin's password to the next `oci user add`. The password
    is kept in its own file. Both files are 0600 and rewritten on every ``up``
    (keeping working credentials) so OCI_API_URL follows the lab's port.
    """
    values = _read_env(here.env_file) if here.env_file.exists() else {}
    token = values.get("OCI_API_TOKEN", "")
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            known = users.check_token(session, token) if token else None
            if known is None or known.login != LOGIN:
                password = secrets.token_urlsafe(16)
                if LOGIN in {u.login for u in users.list_users(session)}:
                    users.set_password(session, LOGIN, password)
                else:
                    users.add_user(session, LOGIN, password, admin=True)
                token = users.create_token(session, users.get_user(session, LOGIN))
                write_private(here.password_file, password + "\n")
    finally:
        engine.dispose()
    venv_bin = Path(sys.executable).parent
    write_private(
        here.env_file,
        "# oci lab: source this file to use ocicli against the lab\n"
        f"export OCI_API_URL={shlex.quote(here.api_url)}\n"
        f"export OCI_API_TOKEN={shlex.quote(token)}\n"
        "# and `oci` (user add, db ...) acts on the lab's database\n"
        f"export OCI_CONFIG={shlex.quote(here.server_env['OCI_CONFIG'])}\n"
        f"export OCI_DATA_DIR={shlex.quote(here.server_env['OCI_DATA_DIR'])}\n"
        f'export PATH={shlex.quote(str(venv_bin))}:"$PATH"\n',
    )
    return token


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line.removeprefix("export ").partition("=")
            parts = shlex.split(value)
            values[key] = parts[0] if parts else ""
    return values


def _start_server(here: Lab, port: int) -> None:
    if here.log_file.exists():
        # The progress shown reads this log: an earlier run's requests are not
        # this run's boots. The last run's log stays beside it.
        here.log_file.replace(here.log_file.with_name(here.log_file.name + ".1"))
    log = open(here.log_file, "ab")  # noqa: SIM115  (handed to the child process)
    oci_bin = Path(sys.executable).parent / "oci"
    command = [str(oci_bin), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command,
        env=here.server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    here.pid_file.write_text(str(process.pid))
    client = ApiClient(here.api_url, timeout=2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(
                f"the server exited with status {process.returncode}; see {here.log_file}"
            )
        try:
            client.get(ApiClient.path("health"))
            return
        except ApiError:
            time.sleep(0.3)
    raise click.ClickException(f"the server did not answer within 30 s; see {here.log_file}")


@lab.command()
@dir_option
def down(directory: str) -> None:
    """Stop the lab's machines, switch and server (the data stays in the lab directory)."""
    here = _lab(directory, 0)
    machines, _ = load_fleet(here.dir)
    for what in stop_everything(here.dir, machines):
        click.echo(f"stopped {what}")
    pid = here.running_pid()
    if pid is None:
        click.echo("the lab is not running")
        return
    os.killpg(pid, signal.SIGTERM)
    for _ in range(100):
        if here.running_pid() is None:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    here.pid_file.unlink(missing_ok=True)
    click.echo(f"stopped the lab server (pid {pid})")


@lab.command()
@dir_option
def status(directory: str) -> None:
    """Say whether the lab's server runs, where, and how far each machine got."""
    here = _lab(directory, 0)
    pid = here.running_pid()
    if pid is None:
        click.echo("the lab is not running")
        sys.exit(1)
    values = _read_env(here.env_file) if here.env_file.exists() else {}
    api_url = values.get("OCI_API_URL", "?")
    click.echo(f"the lab server runs (pid {pid}) at {api_url}")
    machines, _ = load_fleet(here.dir)
    if not machines:
        return
    switch = running(here.dir / "switch.pid", SWITCH_MARKER)
    click.echo(f"switch: {f'running (pid {switch})' if switch else 'stopped'}")
    records: dict[str, dict[str, Any]] = {}
    try:
        client = ApiClient(api_url, token=values.get("OCI_API_TOKEN"), timeout=10)
        records = {m["serial"]: m for m in client.iterate(ApiClient.path("machines"))}
    except ApiError as exc:
        click.echo(f"(the inventory did not answer: {exc})")
    server_log = here.log_file.read_text(errors="replace") if here.log_file.exists() else ""
    for machine in machines:
        qemu = running(machine_dir(here.dir, machine) / "qemu.pid", qemu_marker(machine))
        console_file = machine_dir(here.dir, machine) / "console.log"
        console = console_file.read_text(errors="replace") if console_file.exists() else ""
        record = records.get(machine.serial)
        state = stage(machine, server_log, console, record)
        power = f"running (pid {qemu})" if qemu else "powered off"
        placed = where(record) if record else ""
        place = f", {placed}" if placed else ""
        place += f", switch {record['switch']}" if record and record.get("switch") else ""
        place += f", ssh 127.0.0.1:{machine.ssh_port}" if machine.ssh_port else ""
        place += f", bmc 127.0.0.1:{machine.bmc_port}" if machine.bmc_port else ""
        click.echo(
            f"{machine.name}: {machine.firmware} {machine.serial} {power}, {state}"
            f"{', ' + record['status'] if record else ''}{place}"
        )
