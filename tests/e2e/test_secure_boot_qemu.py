"""The Secure Boot path, under real Secure Boot: shim, then GRUB, then our grub.cfg.

OVMF's Secure Boot build with Microsoft's keys enrolled (OVMF_CODE_4M.secboot
+ OVMF_VARS_4M.ms) PXE-boots with its own network stack (no iPXE ROM) from
QEMU's TFTP server, serving the tree `oci pxe tftp-tree` builds: Debian's
signed shim loads Debian's signed GRUB, which reads grub/grub.cfg, finds no
machine file and loads grub/live.cfg: the Debian kernel (signed) and our
initramfs over TFTP. The firmware refuses anything unsigned, the kernel
says "Secure boot enabled", and the agent's report lands in a live server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from oci.boot import tftp
from oci.lab.fleet import fleet, machine_spec
from oci.lab.initramfs import DEFAULT_TOOLS, build_initramfs, fetch_debian_kernel
from oci.lab.qemu import Nic, create_disk_images, qemu_argv
from tests.helpers.database import Credentials
from tests.helpers.server import LiveServer

SECBOOT_CODE = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
MS_VARS = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
MISSING = [p for p in (SECBOOT_CODE, MS_VARS) if not os.path.exists(p)] + tftp.missing_loaders()


@pytest.mark.slow
@pytest.mark.skipif(bool(MISSING), reason=f"missing: {MISSING}")
def test_shim_grub_and_the_kernel_boot_under_secure_boot(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    if live_server.database.backend != "sqlite":
        pytest.skip("one boot is enough: the database path is covered by the other tests")
    cache = Path(os.environ.get("OCI_LAB_CACHE", "~/.cache/oci-lab")).expanduser()
    kernel = fetch_debian_kernel(cache)
    image = tmp_path / "image"
    image.mkdir()
    shutil.copyfile(kernel.vmlinuz, image / "vmlinuz")
    build_initramfs(image / "initrd.img", kernel, tools=DEFAULT_TOOLS)
    port = urlsplit(live_server.url).port
    tree = tmp_path / "tftp"
    tftp.build_tree(tree, f"http://10.0.2.2:{port}", live_image=image, console="ttyS0")

    machine = fleet(2, list(range(8)))[1]  # a UEFI one
    shutil.copyfile(MS_VARS, tmp_path / "OVMF_VARS.fd")
    spec = machine_spec(machine, tmp_path, "unused")
    boot_nic = Nic(
        model="virtio-net-pci",
        mac=machine.wires[0].mac,
        netdev=f"user,tftp={tree},bootfile=shimx64.efi",
        bootindex=1,
        romfile="",  # OVMF's own PXE, not iPXE (which is not signed)
    )
    spec = type(spec)(**{**spec.__dict__, "nics": (boot_nic,), "extra": ()})
    create_disk_images(spec)
    argv = [
        arg.replace("OVMF_CODE_4M.fd", "OVMF_CODE_4M.secboot.fd").replace(
            "q35,accel=tcg", "q35,accel=tcg,smm=on"
        )
        for arg in qemu_argv(spec)
    ] + ["-global", "driver=cfi.pflash01,property=secure,value=on"]
    console = tmp_path / "console.log"
    url = f"{live_server.url}/api/v1/machines/{machine.serial}"
    with open(console, "wb") as log:
        started = time.monotonic()
        qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            found = None
            while time.monotonic() - started < 240 and qemu.poll() is None:
                response = requests.get(url, headers=admin.bearer, timeout=10)
                if response.status_code == 200:
                    found = response.json()
                    break
                time.sleep(1)
            seconds = time.monotonic() - started
        finally:
            qemu.kill()
            qemu.wait(timeout=30)
    text = console.read_text(errors="replace")
    assert found is not None, text[-3000:]
    print(f"\nSecure Boot (shim, GRUB, TFTP) power-on to discovered: {seconds:.1f} s (TCG)")
    assert "Secure boot enabled" in text  # the kernel's word: the firmware enforced it
    assert "oci: fetching the live image over TFTP" in text  # our grub/live.cfg ran
    assert (found["serial"], found["product_name"]) == (machine.serial, machine.product)
