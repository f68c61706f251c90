"""End to end, opt-in: full OS installations onto QEMU machines' disks in the lab.

Slow (well over an hour under TCG: two installs at once on 2 cores), so it
runs only with OCI_TEST_QEMU_INSTALL=1, never in CI. The steps are the
operator's, for two machines at once:

1. `oci live-image build` with the lab's data directory, so the image lets in
   the SSH key the lab server logs in with (live-build in
   OCI_TEST_LIVE_BUILD_WORK, default /var/cache/oci/live-build, as root);
2. `oci lab up --machines 2 --live-image DIR`: lab1 (BIOS) and lab2 (UEFI)
   PXE-boot the full live image and are enrolled hands-free into cl1;
3. `ocicli machine-set lab2 --install-on-raid yes --raid-type 1 --raid-dev
   nvme0n1 --raid-dev sda`: lab2 goes on software RAID 1 over both its disks;
4. `ocicli machine-install-os SERIAL --port PORT --follow`, both at once: the
   bundle over SSH (host keys pinned from discovery), real debootstrap from
   the Debian mirror, GRUB for BIOS on lab1's NVMe disk, GRUB for UEFI (an ESP
   on each RAID member) on lab2; each ends on `installed`;
5. lab1 `ocicli machine-reboot-on-hdd` (over SSH), lab2 `ocicli
   machine-ipmi-reboot-on-hdd` (through the BMC the lab registered: a power
   cycle, so a new QEMU process): the boot service answers "local disk", the
   installed Debian boots and its first-boot unit reports `firstboot` (then
   `puppet-running` and, with no Puppet server in the lab, `puppet-failure`);
6. what the installed systems report at first boot: lab1 booted BIOS with /
   on its NVMe disk, lab2 UEFI with / on a clean two-disk md RAID 1.

`oci lab down` must leave nothing running. Each step's time is printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from oci.lab.fleet import LabMachine
from oci.lab.machines import load_fleet
from tests.helpers.lab import missing_lab_tools, processes_mentioning, read_env_file
from tests.helpers.server import free_port

BIN = Path(sys.executable).parent
ENABLED = os.environ.get("OCI_TEST_QEMU_INSTALL") == "1"
WORK = Path(os.environ.get("OCI_TEST_LIVE_BUILD_WORK", "/var/cache/oci/live-build"))
# Where the installed system may be: firstboot reached means the disk booted.
BOOTED = {"firstboot", "puppet-running", "puppet-success", "puppet-failure"}
# lab2: / on RAID 1 over its two disks, as an operator sets it
RAID = [
    "--install-on-raid", "yes", "--raid-type", "1", "--raid-dev", "nvme0n1", "--raid-dev", "sda"
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(not ENABLED, reason="full installs under TCG: set OCI_TEST_QEMU_INSTALL=1")
@pytest.mark.skipif(os.geteuid() != 0, reason="live-build runs as root")
@pytest.mark.skipif(bool(missing_lab_tools()), reason=f"missing: {missing_lab_tools()}")
def test_lab_machines_install_debian_bios_and_uefi_raid_and_boot_it(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    image = tmp_path / "live"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env["HOME"] = str(tmp_path)
    timings: dict[str, float] = {}

    def run(argv: list[str], timeout: float, extra: dict[str, str] | None = None) -> str:
        started = time.monotonic()
        done = subprocess.run(
            argv,
            env=env | (extra or {}),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        took = time.monotonic() - started
        assert done.returncode == 0, (
            f"{argv} after {took:.0f} s:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
        )
        return done.stdout

    def step(name: str, started: float) -> None:
        timings[name] = time.monotonic() - started
        print(f"{name}: {timings[name]:.0f} s", flush=True)

    try:
        started = time.monotonic()
        built = run(
            [str(BIN / "oci"), "live-image", "build", "--output", str(image), "--work", str(WORK)],
            timeout=1800,
            extra={"OCI_DATA_DIR": str(lab / "data")},
        )
        assert str(lab / "data" / "ssh" / "id_ed25519.pub") in built
        step("live image build", started)

        started = time.monotonic()
        up = run(
            [str(BIN / "oci"), "lab", "up", "--dir", str(lab), "--port", str(port),
             "--machines", "2", "--live-image", str(image), "--timeout", "1200"],
            timeout=1500,
        )  # fmt: skip
        assert "lab1 BIOS: power-on to discovered" in up, up
        assert "lab2 UEFI: power-on to discovered" in up, up
        step("power-on to enrolled (2 machines)", started)

        bios, uefi = load_fleet(lab)[0]
        assert bios.ssh_port is not None and uefi.ssh_port is not None
        assert (bios.uefi, uefi.uefi) == (False, True)
        api = read_env_file(lab / "env")
        headers = {"Authorization": f"Bearer {api['OCI_API_TOKEN']}"}
        ocicli_env = {"OCI_API_URL": api["OCI_API_URL"], "OCI_API_TOKEN": api["OCI_API_TOKEN"]}

        def machine(serial: str) -> dict[str, object]:
            got = requests.get(
                f"{api['OCI_API_URL']}/api/v1/machines/{serial}", headers=headers, timeout=10
            )
            got.raise_for_status()
            return dict(got.json())

        def ssh(lab_machine: LabMachine) -> list[str]:
            # the forwarded port on the host: the installed node's own address is
            # not reachable from here (once installed, the server would pick it)
            return ["--address", "127.0.0.1", "--port", str(lab_machine.ssh_port)]

        run([str(BIN / "ocicli"), "machine-set", uefi.serial, *RAID], timeout=60, extra=ocicli_env)

        started = time.monotonic()
        installs = {
            m.serial: subprocess.Popen(
                [str(BIN / "ocicli"), "machine-install-os", m.serial, *ssh(m), "--follow"],
                env=env | ocicli_env,
                stdin=subprocess.DEVNULL,
                # a file each: neither waits on a full pipe while the other is read
                stdout=(tmp_path / f"{m.name}-install.log").open("w"),
                stderr=subprocess.STDOUT,
                text=True,
            )
            for m in (bios, uefi)
        }
        for proc in installs.values():
            proc.wait(timeout=7200)  # both at once: over an hour here
        logs = {m.serial: (tmp_path / f"{m.name}-install.log").read_text() for m in (bios, uefi)}
        for serial, proc in installs.items():
            assert proc.returncode == 0, f"{serial}:\n{logs[serial][-6000:]}"
            assert f"machine {serial}: installed" in logs[serial], logs[serial][-3000:]
            assert machine(serial)["status"] == "installed"
        assert "bios firmware" in logs[bios.serial], logs[bios.serial][-3000:]
        assert "uefi firmware" in logs[uefi.serial], logs[uefi.serial][-3000:]
        assert "] raid" in logs[uefi.serial], logs[uefi.serial][-3000:]
        step("install both (bundle, debootstrap, GRUB; lab2 on RAID 1)", started)

        started = time.monotonic()
        run([str(BIN / "ocicli"), "machine-reboot-on-hdd", bios.serial, *ssh(bios)],
            timeout=120, extra=ocicli_env)  # fmt: skip
        qemu_pid = lab / "machines" / uefi.name / "qemu.pid"
        before = int(qemu_pid.read_text())
        through_bmc = ["machine-ipmi-reboot-on-hdd", uefi.serial, "--uefi", "-f", "value"]
        cycled = run([str(BIN / "ocicli"), *through_bmc, "-c", "power"],
                     timeout=120, extra=ocicli_env)  # fmt: skip
        assert cycled.strip() == "on", cycled
        deadline = time.monotonic() + 900
        for m in (bios, uefi):
            while machine(m.serial)["status"] not in BOOTED:
                got = machine(m.serial)["status"]
                assert time.monotonic() < deadline, f"{m.name}: no firstboot within 900 s: {got}"
                time.sleep(5)
        step("reboot to firstboot (both)", started)
        assert int(qemu_pid.read_text()) != before  # lab2's BMC power-cycled it

        # What the installed systems say of their first boot (oci-firstboot's
        # message): the host cannot SSH into them, its forwarded port leads to
        # the live system's DHCP address, not the node's static cluster one.
        booted = {}
        for m in (bios, uefi):
            events = requests.get(
                f"{api['OCI_API_URL']}/api/v1/events",
                params={"machine": m.serial, "kind": "status-changed", "limit": "100"},
                headers=headers,
                timeout=10,
            ).json()["items"]
            moves = [(e["details"]["from"], e["details"]["to"]) for e in reversed(events)]
            assert ("installing", "installed") in moves, moves
            assert ("installed", "firstboot") in moves, moves
            booted[m.name] = next(e["message"] for e in events if e["details"]["to"] == "firstboot")
        print(booted, flush=True)
        assert "bios firmware, / on /dev/nvme0n1p" in booted["lab1"], booted
        assert "uefi firmware, / on /dev/md0 (raid1 [UU])" in booted["lab2"], booted
    finally:
        for proc in locals().get("installs", {}).values():
            proc.kill()
        subprocess.run(
            [str(BIN / "oci"), "lab", "down", "--dir", str(lab)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
        )
        print("timings (TCG): " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    assert processes_mentioning(str(lab)) == []
