"""A QEMU server boots the agent and appears in the inventory of a live server.

The guest is scripts/capture-qemu-hardware's fake server (SMBIOS strings, an
NVMe and a SATA disk, three NICs, a simulated BMC) booting the Debian kernel
with oci/lab/initramfs.py, whose /init runs `oci-agent` against
`oci.server=http://10.0.2.2:PORT`: QEMU's user network carries it to the
live server on the host's loopback. Nothing is replayed: the tools run in
the guest, the agent uploads, the server parses and stores.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from oci.lab.initramfs import build_initramfs, fetch_debian_kernel
from oci.lab.qemu import create_disk_images, kernel_cmdline, qemu_argv
from tests.helpers.database import Credentials
from tests.helpers.paths import REPO
from tests.helpers.qemu_capture import missing_capture_tools
from tests.helpers.server import LiveServer

SCRIPT = REPO / "scripts" / "capture-qemu-hardware"


def _capture_script():
    loader = importlib.machinery.SourceFileLoader("capture_qemu_hardware", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(bool(missing_capture_tools()), reason=f"missing: {missing_capture_tools()}")
def test_a_booting_server_appears_in_the_inventory(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    if live_server.database.backend != "sqlite":
        pytest.skip("one boot is enough: the database path is covered by the other tests")
    capture = _capture_script()
    cache = Path(os.environ.get("OCI_LAB_CACHE", "~/.cache/oci-lab")).expanduser()
    kernel = fetch_debian_kernel(cache)
    initrd = build_initramfs(tmp_path / "initrd.img", kernel)
    port = urlsplit(live_server.url).port
    append = kernel_cmdline(
        {
            "console": "ttyS0",
            "panic": "-1",
            "BOOTIF": "01-" + capture.NICS[0].mac.replace(":", "-"),
            "oci.server": f"http://10.0.2.2:{port}",
        }
    )
    spec = capture.fake_server(tmp_path, kernel.vmlinuz, initrd, append)
    create_disk_images(spec)
    console = tmp_path / "console.log"
    headers = admin.bearer
    url = f"{live_server.url}/api/v1/machines/{capture.SMBIOS.serial}"
    with open(console, "wb") as log:
        started = time.monotonic()
        qemu = subprocess.Popen(qemu_argv(spec), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            machine = None
            while time.monotonic() - started < 180 and qemu.poll() is None:
                response = requests.get(url, headers=headers, timeout=10)
                if response.status_code == 200:
                    machine = response.json()
                    break
                time.sleep(0.5)
            seconds = time.monotonic() - started
        finally:
            qemu.kill()
            qemu.wait(timeout=30)
    assert machine is not None, console.read_text(errors="replace")[-3000:]
    print(f"\nQEMU start to the machine in the inventory: {seconds:.1f} s (TCG)")
    assert machine["product_name"] == capture.SMBIOS.product
    assert machine["system_uuid"] == capture.SMBIOS.uuid
    assert machine["status"] == "live" and machine["discovery_count"] == 1
    macs = sorted(nic["mac"] for nic in machine["nic_list"] if nic["is_physical"])
    assert macs == sorted(nic.mac for nic in capture.NICS)
    nvme = [d for d in machine["disk_list"] if d["kind"] == "nvme"]
    assert [(d["serial"], d["size_bytes"]) for d in nvme] == [(capture.NVME_SERIAL, 4 << 30)]
    reports = requests.get(url + "/reports", headers=headers, timeout=10).json()["items"]
    assert [r["source"] for r in reports] == ["127.0.0.1"]  # QEMU's user network, via loopback
