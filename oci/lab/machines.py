"""The lab's processes: the emulated switch and the QEMU machines, started and stopped.

Everything lives in the lab directory: `fleet.json` (what was started),
`switch.pid`/`switch.log`, and per machine `machines/NAME/` with `qemu.pid`,
`console.log` (its serial console), its disk images and UEFI variables. A
pid file is trusted only if /proc says that pid still runs the expected
command, so a reused pid is never killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from oci.lab.fleet import LabMachine, Wire, firmware_files, machine_spec, switch_ports
from oci.lab.initramfs import DEFAULT_TOOLS, LLDP_TOOLS, build_initramfs, fetch_debian_kernel
from oci.lab.qemu import create_disk_images, qemu_argv

__all__ = [
    "free_tcp_ports",
    "free_udp_ports",
    "load_fleet",
    "prepare_boot_image",
    "running",
    "start_machine",
    "start_switch",
    "stop_everything",
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


def _spawn(argv: list[str], log: Path, pid_file: Path, env: dict[str, str] | None = None) -> int:
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
    return process.pid


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
    return _spawn(argv, lab_dir / "switch.log", lab_dir / "switch.pid")


def machine_dir(lab_dir: Path, machine: LabMachine) -> Path:
    return lab_dir / "machines" / machine.name


def qemu_marker(machine: LabMachine) -> str:
    return f"-name {machine.name} "


def start_machine(lab_dir: Path, machine: LabMachine, boot_url: str, memory_mib: int) -> int:
    """Power the machine on: fresh disks and UEFI variables, then QEMU in the background."""
    directory = machine_dir(lab_dir, machine)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for name, source in firmware_files(machine).items():
        shutil.copyfile(source, directory / name)
    spec = machine_spec(machine, directory, boot_url, memory_mib=memory_mib)
    create_disk_images(spec)
    return _spawn(qemu_argv(spec), directory / "console.log", directory / "qemu.pid")


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


def _stop(pid: int, still_running: Callable[[], int | None]) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        if still_running() is None:
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    for _ in range(50):
        if still_running() is None:
            return
        time.sleep(0.1)


def stop_everything(lab_dir: Path, machines: Iterable[LabMachine]) -> list[str]:
    """Stop every machine, then the switch; what was stopped, for the operator."""
    stopped = []
    for machine in machines:
        pid_file = machine_dir(lab_dir, machine) / "qemu.pid"
        marker = qemu_marker(machine)
        pid = running(pid_file, marker)
        if pid is not None:
            _stop(pid, lambda f=pid_file, m=marker: running(f, m))
            stopped.append(f"machine {machine.name} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    pid_file = lab_dir / "switch.pid"
    pid = running(pid_file, SWITCH_MARKER)
    if pid is not None:
        _stop(pid, lambda: running(pid_file, SWITCH_MARKER))
        stopped.append(f"switch (pid {pid})")
    pid_file.unlink(missing_ok=True)
    return stopped
