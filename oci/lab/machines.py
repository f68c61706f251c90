"""The lab's processes: the emulated switch and the QEMU machines, started and stopped.

Everything lives in the lab directory: `fleet.json` (what was started),
`switch.pid`/`switch.log`, and per machine `machines/NAME/` with its BMC
(`bmc.pid`, `bmc.log`, `bmc-password`), `qemu.pid`, `console.log` (its
serial console), its disk images and UEFI variables. Each machine is powered
on through its BMC, a simulated one (oci/lab/bmcsim.py) on a UDP port of
127.0.0.1 that starts QEMU at power-on and stops it at power-off, so
`ocicli machine-power` and `ipmitool` drive the lab's machines as they
would real ones. A pid file is trusted only if /proc says that pid still
runs the expected command, so a reused pid is never killed.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from oci.bmc import ipmi as bmc
from oci.lab.fleet import LabMachine, Wire, firmware_files, machine_spec, switch_ports
from oci.lab.initramfs import DEFAULT_TOOLS, LLDP_TOOLS, build_initramfs, fetch_debian_kernel
from oci.lab.qemu import create_disk_images, qemu_argv

__all__ = [
    "BMC_USER",
    "bmc_access",
    "bmc_password_file",
    "free_tcp_ports",
    "free_udp_ports",
    "load_fleet",
    "prepare_boot_image",
    "running",
    "start_machine",
    "start_switch",
    "stop_everything",
    "text_of",
    "write_private",
]


def free_udp_ports(count: int) -> list[int]:
    """UDP ports nothing listens on now (the switch's cables)."""
    return _free_ports(count, socket.SOCK_DGRAM)


def free_tcp_ports(count: int) -> list[int]:
    """TCP ports nothing listens on now, for QEMU to forward."""
    return _free_ports(count, socket.SOCK_STREAM)


def _free_ports(count: int, kind: socket.SocketKind) -> list[int]:
    sockets = []  # held open together, so that they differ
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, kind)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def running(pid_file: Path, marker: str) -> int | None:
    """The pid in pid_file if that process still runs a command line containing marker."""
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    return pid if marker in cmdline and state != "Z" else None


def _spawn(
    argv: list[str], log: Path, pid_file: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # `oci lab down` stops its whole group
            env=env,
        )
    pid_file.write_text(f"{process.pid}\n")
    return process


def prepare_boot_image(directory: Path, cache: Path, show: Callable[[str], None]) -> Path:
    """The small lab image (Debian kernel + our initramfs with lldpd) in directory."""
    directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    kernel = fetch_debian_kernel(cache)
    shutil.copyfile(kernel.vmlinuz, directory / ".vmlinuz.partial")
    (directory / ".vmlinuz.partial").replace(directory / "vmlinuz")
    build_initramfs(directory / ".initrd.partial", kernel, tools=DEFAULT_TOOLS + LLDP_TOOLS)
    (directory / ".initrd.partial").replace(directory / "initrd.img")
    (directory / "filesystem.squashfs").unlink(missing_ok=True)  # the initramfs is all of it
    size = (directory / "initrd.img").stat().st_size
    show(
        f"kernel {kernel.version} and initramfs ({size / 1e6:.0f} MB, with lldpd) "
        f"in {time.monotonic() - started:.0f} s"
    )
    return directory


SWITCH_MARKER = "oci.lab.switch"


def start_switch(lab_dir: Path, machines: list[LabMachine], interval: float = 1.0) -> int:
    argv = [sys.executable, "-m", SWITCH_MARKER, "--interval", str(interval)]
    argv += [port.spec() for port in switch_ports(machines)]
    return _spawn(argv, lab_dir / "switch.log", lab_dir / "switch.pid").pid


def machine_dir(lab_dir: Path, machine: LabMachine) -> Path:
    return lab_dir / "machines" / machine.name


def qemu_marker(machine: LabMachine) -> str:
    return f"-name {machine.name} "


BMC_MARKER = "oci.lab.bmcsim"
BMC_USER = "admin"
# How long a lab BMC may take to listen, and QEMU to start once powered on.
START_SECONDS = 20.0


def bmc_marker(machine: LabMachine) -> str:
    return f"{BMC_MARKER} --port {machine.bmc_port} "


def bmc_password_file(lab_dir: Path, machine: LabMachine) -> Path:
    return machine_dir(lab_dir, machine) / "bmc-password"


def bmc_access(lab_dir: Path, machine: LabMachine, timeout: float = 10.0) -> bmc.BmcAccess:
    """How to reach the machine's BMC (what `ocicli machine-set-ipmi` is given)."""
    if machine.bmc_port is None:
        raise ValueError(f"{machine.name} has no BMC")
    password = bmc_password_file(lab_dir, machine).read_text().strip()
    return bmc.BmcAccess("127.0.0.1", machine.bmc_port, BMC_USER, password, timeout)


def text_of(path: Path) -> str:
    """A log or console file as it is now ("" before it exists)."""
    return path.read_text(errors="replace") if path.exists() else ""


def write_private(path: Path, text: str) -> None:
    """A file only its owner may read (passwords, tokens)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _wait_for(found: Callable[[], int | bool | None], what: str, log: Path) -> int | bool:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.1)
    tail = text_of(log)[-2000:]
    raise RuntimeError(f"{what} within {START_SECONDS:g} s; {log}:\n{tail}")


def start_machine(lab_dir: Path, machine: LabMachine, boot_url: str, memory_mib: int) -> int:
    """Rack the machine (fresh disks and UEFI variables), start its BMC and
    power it on through IPMI, as an operator would: QEMU's pid."""
    if machine.bmc_port is None:
        raise ValueError(f"{machine.name} has no BMC port")
    directory = machine_dir(lab_dir, machine)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for name, source in firmware_files(machine).items():
        shutil.copyfile(source, directory / name)
    spec = machine_spec(machine, directory, boot_url, memory_mib=memory_mib)
    create_disk_images(spec)
    qemu_pid = directory / "qemu.pid"
    password_file = bmc_password_file(lab_dir, machine)
    write_private(password_file, secrets.token_urlsafe(12) + "\n")  # 16 characters of IPMI's 20
    argv = [
        sys.executable, "-m", BMC_MARKER, "--port", str(machine.bmc_port),
        "--user", BMC_USER, "--password-file", str(password_file),
        "--on-power-on", shlex.join([*qemu_argv(spec), "-pidfile", str(qemu_pid)]),
        "--console", str(directory / "console.log"),
    ]  # fmt: skip
    log = directory / "bmc.log"
    process = _spawn(argv, log, directory / "bmc.pid")

    def listening() -> bool:
        # (not /proc: a process just forked shows an empty command line a while)
        if process.poll() is not None:  # its port taken, say
            raise RuntimeError(
                f"its BMC exited ({process.returncode}); {log}:\n{text_of(log)[-2000:]}"
            )
        return "listening" in text_of(log)

    _wait_for(listening, "its BMC did not listen", log)
    bmc.power(bmc_access(lab_dir, machine), "on")
    console = directory / "console.log"
    return int(
        _wait_for(lambda: running(qemu_pid, qemu_marker(machine)), "QEMU did not start", console)
    )


def save_fleet(lab_dir: Path, machines: list[LabMachine], info: dict[str, object]) -> None:
    data = {"info": info, "machines": [asdict(machine) for machine in machines]}
    (lab_dir / "fleet.json").write_text(json.dumps(data, indent=2) + "\n")


def load_fleet(lab_dir: Path) -> tuple[list[LabMachine], dict[str, object]]:
    try:
        data = json.loads((lab_dir / "fleet.json").read_text())
    except (OSError, ValueError):
        return [], {}
    machines = [
        LabMachine(**(raw | {"wires": tuple(Wire(**wire) for wire in raw["wires"])}))
        for raw in data["machines"]
    ]
    return machines, data.get("info", {})


def _signal(pid: int, number: int) -> bool:
    """Signal pid's process group (a BMC's holds its QEMU), else pid alone
    (a QEMU its BMC started leads no group); False if it is gone."""
    try:
        os.killpg(pid, number)
    except ProcessLookupError:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            return False
    return True


def _empty_group(pgid: int) -> None:
    """Kill what is left of a process group, until none of it remains."""
    for _ in range(50):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def _stop(pid: int, still_running: Callable[[], int | None]) -> None:
    if not _signal(pid, signal.SIGTERM):
        return
    for _ in range(100):
        if still_running() is None:
            return
        time.sleep(0.1)
    if not _signal(pid, signal.SIGKILL):
        return
    for _ in range(50):
        if still_running() is None:
            return
        time.sleep(0.1)


def stop_everything(lab_dir: Path, machines: Iterable[LabMachine]) -> list[str]:
    """Stop every machine and its BMC, then the switch; what was stopped, for
    the operator. A BMC goes first (its process group holds QEMU too), so
    nothing powers a machine on again meanwhile."""
    stopped = []
    for machine in machines:
        directory = machine_dir(lab_dir, machine)
        qemu_pid_file = directory / "qemu.pid"
        qemu = qemu_marker(machine)
        qemu_pid = running(qemu_pid_file, qemu)
        bmc_pid_file = directory / "bmc.pid"
        bmc_command = bmc_marker(machine)
        bmc_pid = running(bmc_pid_file, bmc_command) if machine.bmc_port else None
        if bmc_pid is not None:
            _stop(bmc_pid, functools.partial(running, bmc_pid_file, bmc_command))
            _empty_group(bmc_pid)  # a QEMU it started as it was told to stop
        if qemu_pid is not None:
            _stop(qemu_pid, functools.partial(running, qemu_pid_file, qemu))
            stopped.append(f"machine {machine.name} (pid {qemu_pid})")
        if bmc_pid is not None:
            stopped.append(f"BMC of {machine.name} (pid {bmc_pid})")
        qemu_pid_file.unlink(missing_ok=True)
        bmc_pid_file.unlink(missing_ok=True)
    pid_file = lab_dir / "switch.pid"
    pid = running(pid_file, SWITCH_MARKER)
    if pid is not None:
        _stop(pid, lambda: running(pid_file, SWITCH_MARKER))
        stopped.append(f"switch (pid {pid})")
    pid_file.unlink(missing_ok=True)
    return stopped
