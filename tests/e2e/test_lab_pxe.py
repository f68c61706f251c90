"""End to end: `oci lab up --machines 2` PXE-boots a BIOS and a UEFI QEMU machine from us.

Each machine's NIC ROM (iPXE from ipxe-qemu) gets the boot service's URL from
QEMU's DHCP, fetches its script, kernel and initrd from the lab server, boots
the lab initramfs (Debian kernel, busybox, the real tools, lldpd) and runs the
agent. Both NICs of each machine hear real LLDP frames from the emulated
switch process. The server's hands-free enrolment, configured by the lab with
its profiles (oci/matching/examples/lab.yaml), enrols them on their first report.
The test then reads the inventory through the API: exact serial, product,
UUID, disks (NVMe included), MACs and, per NIC, the switch name and port it
was wired to; and the state the profiles give: profile, cluster, role, host
name, datacenter/row/rack/U, availability zone, settings and addresses, done
by the server's own policy (its events). `oci lab down` must leave nothing
running.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from oci.lab.fleet import NVME_BYTES, SATA_BYTES, fleet
from oci.lab.machines import load_fleet
from tests.helpers.lab import (
    LabRunner,
    alive,
    missing_lab_tools,
    processes_mentioning,
    read_env_file,
)
from tests.helpers.server import free_port

BIN = Path(sys.executable).parent


@pytest.mark.slow
@pytest.mark.skipif(bool(missing_lab_tools()), reason=f"missing: {missing_lab_tools()}")
def test_two_machines_pxe_boot_and_are_discovered_with_their_switch_ports(tmp_path: Path) -> None:
    oci = LabRunner.in_(tmp_path)
    lab, env, cache = oci.dir, oci.env, oci.cache
    port = free_port()

    pids: list[int] = []
    try:
        up = oci(
            "up", "--port", str(port), "--machines", "2", "--timeout", "240", "--cache", cache,
            timeout=420,
        )  # fmt: skip
        pids = [int(p.read_text()) for p in lab.glob("**/*.pid")]
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr
        times = re.findall(
            r"(lab\d) (BIOS|UEFI): power-on to discovered with LLDP in ([\d.]+) s, "
            r"to enrolled in ([\d.]+) s",
            up.stdout,
        )
        print(
            "\n"
            + "\n".join(
                f"{n} {fw}: boot to discovered {s} s, to enrolled {e} s (TCG)"
                for n, fw, s, e in times
            )
        )
        assert sorted((n, fw) for n, fw, _, _ in times) == [
            ("lab1", "BIOS"),
            ("lab2", "UEFI"),
        ], up.stdout
        # the stages were shown as they happened, in order
        for name in ("lab1", "lab2"):
            shown = re.findall(rf"\] {name} \((?:BIOS|UEFI)\): (\S+)", up.stdout)
            boot = ["powered-on", "pxe", "kernel", "discovered"]
            # "located" comes last when a NIC's LLDP missed the first report
            assert shown in (
                [*boot, "located", "matched", "placed", "enrolled"],
                [*boot, "matched", "placed", "enrolled", "located"],
            ), shown
        assert re.search(
            r"\] lab1 \(BIOS\): enrolled cl1-controller-1\.example\.com: cluster cl1, "
            r"role controller, AZ zone1, 192\.168\.101\.\d+ \(mgmt-zone1\)\n",
            up.stdout,
        ), up.stdout
        assert "] lab2 (UEFI): placed rack dc1/2/5 U2, aggregate az-dc1-r2\n" in up.stdout

        values = read_env_file(lab / "env")
        headers = {"Authorization": f"Bearer {values['OCI_API_TOKEN']}"}
        api = values["OCI_API_URL"] + "/api/v1"
        expected = fleet(2, list(range(4 * 2)))  # the same machines (ports aside)
        # what the lab's profiles and switch rules give each (oci/matching/examples/lab.yaml)
        enrolled = {
            "OCILAB0001": ("lab-controller", "controller", {"serial_console": "ttyS0"}),
            "OCILAB0002": (
                "lab-compute",
                "compute",
                {"serial_console": "ttyS0", "cpu_model": "host-passthrough"},
            ),
        }
        management: set[str] = set()
        for machine in expected:
            record = requests.get(f"{api}/machines/{machine.serial}", headers=headers, timeout=10)
            assert record.status_code == 200, record.text
            got = record.json()
            assert (got["serial"], got["manufacturer"], got["product_name"]) == (
                machine.serial,
                machine.manufacturer,
                machine.product,
            )
            assert got["system_uuid"] == machine.uuid
            assert got["status"] == "live"
            profile, role, settings = enrolled[machine.serial]
            assert got["hardware_profile"] == profile
            assert (got["cluster"]["name"], got["role"]["name"], got["hostname"]) == (
                "cl1",
                role,
                f"cl1-{role}-1.example.com",
            )
            assert (got["datacenter"], got["row"], got["rack"], got["u_position"]) == (
                "dc1",
                "2",
                "5",
                machine.index + 1,
            )
            assert (got["location"]["name"], got["compute_aggregate"]) == ("zone1", "az-dc1-r2")
            assert got["settings"] == settings
            addresses = {ip["network"]: ip for ip in got["ip_addresses"]}
            # none on the public network, a controller's neither: it holds the VIP only
            assert sorted(addresses) == ["mgmt-zone1"]
            assert {ip["purpose"] for ip in got["ip_addresses"]} == {"host"}
            mgmt = ipaddress.ip_address(addresses["mgmt-zone1"]["address"])
            assert mgmt in ipaddress.ip_network("192.168.101.0/24")
            management.add(str(mgmt))
            # the server's own policy did it, on the first report: the lab added nothing
            events = requests.get(
                f"{api}/events", params={"machine": machine.serial}, headers=headers, timeout=10
            ).json()["items"]
            assert [e["kind"] for e in reversed(events) if e["kind"] != "discovered"] == [
                "profile-applied",
                "racked",
                "auto-added",
            ]
            disks = sorted((d["kind"], d["serial"], d["size_bytes"]) for d in got["disk_list"])
            assert ("nvme", machine.nvme_serial, NVME_BYTES) in disks
            assert next(d for d in disks if d[0] != "nvme")[2] == SATA_BYTES
            nics = {n["mac"]: n["name"] for n in got["nic_list"] if n["is_physical"]}
            assert sorted(nics) == sorted(machine.macs)
            neighbours = {n["interface"]: n for n in got["lldp_neighbours"]}
            for wire in machine.wires:
                seen = neighbours[nics[wire.mac]]
                assert (seen["switch_name"], seen["port_id"]) == (wire.switch, wire.port)
            reports = requests.get(
                f"{api}/machines/{machine.serial}/reports", headers=headers, timeout=10
            ).json()["items"]
            assert reports and {r["source"] for r in reports} == {"127.0.0.1"}

        assert len(management) == 2  # one address each

        status = oci("status")
        assert status.returncode == 0, status.stderr
        assert "switch: running" in status.stdout
        assert re.search(
            r"lab1: BIOS OCILAB0001 running \(pid \d+\), enrolled, live, "
            r"cl1-controller-1\.example\.com \(controller\) in zone1, rack 5 U1, "
            r"switch dc1-r2-rack5-sw1:swp1, dc1-r2-rack5-sw2:swp1, ssh 127\.0\.0\.1:\d+, "
            r"bmc 127\.0\.0\.1:\d+\n",
            status.stdout,
        ), status.stdout
        assert re.search(
            r"lab2: UEFI OCILAB0002 running \(pid \d+\), enrolled, live, "
            r"cl1-compute-1\.example\.com \(compute\) in zone1, rack 5 U2, switch ",
            status.stdout,
        ), status.stdout
        # the boot service saw both firmwares ask for their scripts
        log = (lab / "server.log").read_text()
        assert "GET /boot/ipxe?mac=52-54-00-1a-01-01&" in log and "platform=pcbios" in log
        assert "GET /boot/ipxe?mac=52-54-00-1a-02-01&" in log and "platform=efi" in log
        assert json.loads((lab / "fleet.json").read_text())["machines"][1]["uefi"] is True

        _power_through_the_bmc(lab, env | values, api, headers)
    finally:
        down = oci("down")
    assert down.returncode == 0, down.stderr
    assert "stopped machine lab1" in down.stdout and "stopped machine lab2" in down.stdout
    assert "stopped switch" in down.stdout and "stopped the lab server" in down.stdout
    assert [pid for pid in pids if alive(pid)] == []
    assert processes_mentioning(str(lab)) == []  # no QEMU, no server worker
    assert not list(lab.glob("**/*.pid"))


def _power_through_the_bmc(
    lab: Path, env: dict[str, str], api: str, headers: dict[str, str]
) -> None:
    """The lab powered each machine on through its BMC and registered the BMC:
    ocicli powers lab2 off and on again through the server (pyghmi), ipmitool
    sees the same, and the machine PXE-boots again and reports."""
    lab2 = load_fleet(lab)[0][1]
    serial, boot_mac = lab2.serial, lab2.wires[0].mac.replace(":", "-")
    qemu_pid = lab / "machines" / "lab2" / "qemu.pid"

    def ocicli(*args: str) -> str:
        done = subprocess.run(
            [str(BIN / "ocicli"), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.strip()

    def ipmitool(*args: str) -> str:
        argv = ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(lab2.bmc_port)]
        argv += ["-U", "admin", "-f", str(lab / "machines" / "lab2" / "bmc-password"), *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def record() -> dict[str, object]:
        got = requests.get(f"{api}/machines/{serial}", headers=headers, timeout=10)
        return dict(got.json())

    def boots() -> int:  # the machine's requests to the boot service, one per PXE boot
        return (lab / "server.log").read_text().count(f"/boot/ipxe?mac={boot_mac}&")

    def until(what: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 180
        while not done():
            assert time.monotonic() < deadline, f"lab2: {what} not within 180 s of power-on"
            time.sleep(1)

    assert ocicli("machine-power", serial, "status", "-f", "value", "-c", "power") == "on"
    assert "Chassis Power is on" in ipmitool("power", "status")
    first = int(qemu_pid.read_text())
    booted = boots()

    assert ocicli("machine-power", serial, "off", "-f", "value", "-c", "power") == "off"
    assert not alive(first)  # QEMU ended: pulled the plug
    assert "Chassis Power is off" in ipmitool("power", "status")
    status = subprocess.run(
        [str(BIN / "oci"), "lab", "status", "--dir", str(lab)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert re.search(r"lab2: UEFI OCILAB0002 powered off, ", status.stdout), status.stdout

    assert ocicli("machine-power", serial, "on", "-f", "value", "-c", "power") == "on"

    def restarted() -> bool:
        text = qemu_pid.read_text().strip() if qemu_pid.exists() else ""
        return text.isdigit() and int(text) != first and alive(int(text))

    until("QEMU", restarted)  # its BMC started it again
    # a new boot through iPXE and the boot service, then its agent's report
    until("PXE boot", lambda: boots() > booted)
    reports = record()["discovery_count"]
    until("a report", lambda: record()["discovery_count"] != reports)
    assert record()["status"] == "live"
    events = requests.get(
        f"{api}/events",
        params={"machine": serial, "kind": "status-changed"},
        headers=headers,
        timeout=10,
    ).json()["items"]
    assert events == []  # powered off and on: still enrolled, still live
