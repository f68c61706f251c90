"""The installer for real on this machine: debootstrap of Debian from the mirror into
a directory, and onto a disk image through a loop device with partitions, ext4 and
GRUB. One run of each per session, shared by the assertions; the packages are kept
in the pytest cache (.pytest_cache/d/oci-install-debs) for the next session.

Needs root, debootstrap and deb.debian.org; the disk image run also needs loop
devices. Software RAID needs the md driver, which containers often lack: the
RAID test then checks that the installer stops at that step and says why.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from oci.api.status import StatusIn
from oci.install import plan
from oci.install.network import plan_network
from oci.install.spec import DiskInput, InstallInputs, NetworkInput
from oci.security.pki import Pki
from tests.helpers import install_inputs
from tests.helpers.install_inputs import HOSTNAME

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the installer needs root"),
    pytest.mark.skipif(shutil.which("debootstrap") is None, reason="no debootstrap"),
]


@dataclass
class StatusServer:
    """Records what the installer POSTs, answering as oci does."""

    url: str
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@pytest.fixture(scope="session")
def status_server() -> Iterator[StatusServer]:
    posts: list[tuple[str, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((self.path, json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield StatusServer(f"http://127.0.0.1:{server.server_address[1]}", posts)
    server.shutdown()


@pytest.fixture(scope="session")
def node_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    pki = Pki(tmp_path_factory.mktemp("pki") / "pki")
    pki.issue_node(HOSTNAME, ["10.0.2.15"])
    return pki


def real_inputs(pki: Pki, api_url: str, **changes: object) -> InstallInputs:
    crt, key = pki.node_paths(HOSTNAME)
    return install_inputs.make(
        api_url=api_url,
        ca_chain=pki.chain_path.read_bytes(),
        certificate=crt.read_bytes(),
        private_key=key.read_bytes(),
        **changes,
    )


@dataclass
class Run:
    inputs: InstallInputs
    bundle: Path
    returncode: int
    output: str
    seconds: float
    posts: list[tuple[str, dict[str, Any]]]


def install(
    work: Path,
    inputs: InstallInputs,
    server: StatusServer,
    cache: Path,
    *args: str,
    env: dict[str, str] | None = None,
) -> Run:
    bundle = work / "bundle"
    bundle.mkdir()
    subprocess.run(
        ["tar", "-xzf", "-", "-C", str(bundle)],
        input=plan.bundle_tar(plan.bundle_files(inputs)),
        check=True,
    )
    before = len(server.posts)
    started = time.monotonic()
    argv = [*shlex.split(plan.command(str(bundle))), "--cache-dir", str(cache), *args]
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=900, env=os.environ | (env or {})
    )
    seconds = time.monotonic() - started
    print(f"oci-install {' '.join(args)}: {seconds:.0f} s")  # shown with -s / in the log
    return Run(inputs, bundle, result.returncode, result.stdout + result.stderr, seconds,
               server.posts[before:])  # fmt: skip


@pytest.fixture(scope="session")
def debs(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.cache.mkdir("oci-install-debs"))


@pytest.fixture(scope="session")
def target_run(
    tmp_path_factory: pytest.TempPathFactory, status_server: StatusServer, node_pki: Pki, debs: Path
) -> tuple[Run, Path]:
    work = tmp_path_factory.mktemp("install-target")
    inputs = real_inputs(node_pki, status_server.url)
    run = install(work, inputs, status_server, debs, "--target", str(work / "root"))
    assert run.returncode == 0, run.output[-5000:]
    return run, work / "root"


def in_root(root: Path, *command: str) -> str:
    result = subprocess.run(["chroot", str(root), *command], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def steps(output: str) -> list[str]:
    return re.findall(r"==> \[\d+\] (\S+)", output)


def test_target_install_prints_its_steps_and_reports_installed(
    target_run: tuple[Run, Path],
) -> None:
    run, _ = target_run
    assert steps(run.output) == [
        "check", "debootstrap", "configure", "packages", "bootloader", "services", "finish",
        "report",
    ]  # fmt: skip
    assert "skipped: --target installs no boot loader" in run.output
    [(path, body)] = run.posts
    assert path == "/api/v1/machines/SER-1/status"
    assert StatusIn.model_validate_json(json.dumps(body)).status == "installed"
    assert body["message"] == "oci-install: Debian trixie, bios, target"


def test_target_tree_holds_the_nodes_files(target_run: tuple[Run, Path]) -> None:
    run, root = target_run
    bundle = {f.path.removeprefix("target/"): f for f in plan.bundle_files(run.inputs)}
    for path in ("etc/hosts", "etc/hostname", "etc/network/interfaces", "etc/puppet/puppet.conf"):
        assert (root / path).read_bytes() == bundle[path].content, path
    for path in (f"etc/oci/pki/{HOSTNAME}.key", f"var/lib/puppet/ssl/private_keys/{HOSTNAME}.pem"):
        stat = (root / path).stat()
        assert (stat.st_mode & 0o777, stat.st_uid, stat.st_gid) == (0o600, 0, 0), path
    assert (root / f"etc/oci/pki/{HOSTNAME}.crt").stat().st_mode & 0o777 == 0o644
    assert (root / "usr/local/sbin/oci-firstboot").stat().st_mode & 0o777 == 0o755
    assert (root / "etc/fstab").read_text().startswith("# oci-install --target")
    assert not (root / "usr/sbin/policy-rc.d").exists()  # services may start again
    assert (
        "deb http://deb.debian.org/debian trixie-updates"
        in (root / "etc/apt/sources.list").read_text()
    )
    # nothing of the install is left mounted
    mounts = Path("/proc/mounts").read_text()
    assert str(root) not in mounts


def test_puppet_the_kernel_and_units_in_the_target(target_run: tuple[Run, Path]) -> None:
    _, root = target_run
    # The target's own Puppet reads the configuration we wrote.
    printed = in_root(root, "puppet", "config", "print", "server", "certname", "ssldir")
    assert "server = oci.example.com" in printed
    assert f"certname = {HOSTNAME}" in printed
    assert "ssldir = /var/lib/puppet/ssl" in printed
    # systemd's own view: first boot and the serial getty on, the Puppet daemon off
    assert in_root(root, "systemctl", "is-enabled", "oci-firstboot.service").strip() == "enabled"
    wants = root / "etc/systemd/system/multi-user.target.wants/oci-firstboot.service"
    assert os.readlink(wants) == "/etc/systemd/system/oci-firstboot.service"
    getty = root / "etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
    assert getty.is_symlink()
    disabled = subprocess.run(
        ["chroot", str(root), "systemctl", "is-enabled", "puppet.service"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert disabled.stdout.strip() == "disabled"
    # a kernel with its initramfs, and GRUB for BIOS machines
    assert list(root.glob("boot/vmlinuz-*")) and list(root.glob("boot/initrd.img-*"))
    packages = in_root(root, "dpkg-query", "-W", "-f", "${Package} ${Status}\\n")
    installed = {line.split()[0] for line in packages.splitlines() if "ok installed" in line}
    assert {"linux-image-amd64", "grub-pc", "puppet-agent", "ifupdown", "curl"} <= installed
    grub = (root / "etc/default/grub.d/oci.cfg").read_text()
    assert "console=ttyS0,115200n8" in grub


NETWORK_VARIANTS = {
    "plain-v4-v6": (
        NetworkInput("m", "10.0.0.0/24", "all", ("ens3",), "10.0.0.5"),
        NetworkInput("m6", "2001:db8::/64", "all", ("ens3",), "2001:db8::5"),
    ),
    "bond-vlan-ovs": (
        NetworkInput("m", "10.0.0.0/24", "all", ("eno1", "eno2"), "10.0.0.5", mtu=9000),
        NetworkInput("p", "192.0.2.0/24", "controller", ("eno1", "eno2"), "192.0.2.9", vlan=10,
                     is_public=True),
        NetworkInput("x", "198.51.100.0/24", "ovs-bridge", ("ens5",), None, vlan=20),
        NetworkInput("v", "2001:db8:5::/64", "vm-net", ("enp130s0f0np0",), "2001:db8:5::9",
                     vlan=300, bridge="br-vm"),
    ),
}  # fmt: skip
# What `ifup -a` brings up (bridge ports come up with their bridge), and the
# addresses it would set.
BROUGHT_UP = {
    "plain-v4-v6": ({"lo", "ens3"}, ["10.0.0.5/", "2001:db8::5/64"]),
    "bond-vlan-ovs": (
        {"lo", "ens5", "enp130s0f0np0", "bond0", "bond0.10", "br-ex", "br-vm"},
        ["10.0.0.5/", "192.0.2.9/", "2001:db8:5::9/64"],
    ),
}


@pytest.mark.parametrize("variant", sorted(NETWORK_VARIANTS))
def test_ifupdown_of_the_target_takes_our_interfaces(
    target_run: tuple[Run, Path], variant: str
) -> None:
    """The installed ifupdown parses each variant and would set every address."""
    _, root = target_run
    path = root / "tmp" / f"interfaces-{variant}"
    path.write_text(plan_network(NETWORK_VARIANTS[variant]).interfaces)
    devices, addresses = BROUGHT_UP[variant]
    listed = in_root(root, "ifquery", "-i", f"/tmp/{path.name}", "--list", "-a")
    assert set(listed.split()) == devices
    dry = subprocess.run(
        ["chroot", str(root), "ifup", "--no-act", "-a", "-i", f"/tmp/{path.name}"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    commands = (dry.stdout + dry.stderr).replace("/255.255.255.0", "/")  # --no-act prints both
    for address in addresses:
        assert f" {address}" in commands, address


def test_a_failing_step_is_reported(
    tmp_path: Path, status_server: StatusServer, node_pki: Pki, debs: Path
) -> None:
    inputs = real_inputs(node_pki, status_server.url, debian_mirror="http://127.0.0.1:1/debian")
    run = install(tmp_path, inputs, status_server, debs, "--target", str(tmp_path / "root"))
    assert run.returncode != 0
    assert steps(run.output)[-1] == "debootstrap"
    assert "FAILED in step 'debootstrap'" in run.output
    [(_, body)] = run.posts
    assert body["status"] == "install-failed"
    assert body["message"].startswith("oci-install: step debootstrap failed: exit ")


def test_the_live_system_s_agent_pauses_while_installing_and_resumes_on_failure(
    tmp_path: Path, status_server: StatusServer, node_pki: Pki, debs: Path
) -> None:
    # systemd's stand-in (none in this container): the live image's
    # oci-agent.service is active; what the installer asks of it is recorded.
    tools, calls = tmp_path / "bin", tmp_path / "systemctl.calls"
    tools.mkdir()
    (tools / "systemctl").write_text(f'#!/bin/sh\necho "$*" >> {shlex.quote(str(calls))}\n')
    (tools / "systemctl").chmod(0o755)
    # Disk mode on no disk of this host: it stops at the disks step, touching nothing.
    inputs = real_inputs(
        node_pki,
        status_server.url,
        serial="",  # no serial check: this host has none to match
        disks=(DiskInput("ocinosuchdisk0", 480_103_981_056, "sata"),),
    )
    path = f"{tools}:{os.environ['PATH']}"
    run = install(tmp_path, inputs, status_server, debs, env={"PATH": path})
    assert run.returncode != 0
    assert "discovery agent paused" in run.output
    assert "no disk /dev/ocinosuchdisk0" in run.output
    assert calls.read_text().splitlines() == [
        "is-active --quiet oci-agent.service",
        "stop oci-agent.service",
        "start oci-agent.service",
    ]
    [(_, body)] = run.posts
    assert body["message"].startswith("oci-install: step disks failed: no disk")


# --- disk images through loop devices ------------------------------------------

needs_loop = pytest.mark.skipif(
    shutil.which("losetup") is None or not Path("/dev/loop-control").exists(),
    reason="no loop devices",
)
DISK_STEPS = ["check", "disks", "wipe", "partition"]
DEV_DISK_BEFORE = Path("/dev/disk").exists()


def disk_images(directory: Path, count: int) -> list[Path]:
    images = []
    for index in range(count):
        image = directory / f"disk{index}.img"
        with open(image, "wb") as out:
            out.truncate(4 * 2**30)  # sparse
        images.append(image)
    return images


def partitions(image: Path) -> list[tuple[str, str, str]]:
    """(number, type code, name) of each partition, as sgdisk reads the image."""
    table = subprocess.run(["sgdisk", "-p", str(image)], capture_output=True, text=True)
    assert table.returncode == 0, table.stderr
    rows = re.findall(r"^\s+(\d+)\s+\d+\s+\d+\s+\S+ \S+\s+(\S{4})\s+(\S+)$", table.stdout, re.M)
    return [tuple(row) for row in rows]


def detached(image: Path) -> bool:
    out = subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True)
    return out.stdout.strip() == ""


@contextmanager
def attached(image: Path, *, writable: bool = False) -> Iterator[str]:
    """The image on a loop device (read-only unless asked), its partitions visible."""
    mode = [] if writable else ["--read-only"]
    loop = subprocess.run(
        ["losetup", "--find", "--show", *mode, "--partscan", str(image)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    try:
        # Kernels without GPT support (this container's) see partitions through partx.
        subprocess.run(["partx", "-u", loop], capture_output=True)
        yield loop
    finally:
        subprocess.run(["partx", "-d", loop], capture_output=True)
        subprocess.run(["losetup", "-d", loop], check=True)


@contextmanager
def mounted_partition(image: Path, number: int, where: Path) -> Iterator[Path]:
    with attached(image) as loop:
        where.mkdir(exist_ok=True)
        subprocess.run(["mount", "-o", "ro", f"{loop}p{number}", str(where)], check=True)
        try:
            yield Path(f"{loop}p{number}")
        finally:
            subprocess.run(["umount", str(where)], check=True)


@pytest.fixture(scope="session")
def image_run(
    tmp_path_factory: pytest.TempPathFactory, status_server: StatusServer, node_pki: Pki, debs: Path
) -> tuple[Run, Path]:
    if shutil.which("losetup") is None or not Path("/dev/loop-control").exists():
        pytest.skip("no loop devices")
    work = tmp_path_factory.mktemp("install-image")
    [image] = disk_images(work, 1)
    inputs = real_inputs(node_pki, status_server.url)
    run = install(work, inputs, status_server, debs, "--disk-image", str(image))
    assert run.returncode == 0, run.output[-5000:]
    return run, image


@needs_loop
def test_disk_image_gets_gpt_ext4_and_grub(image_run: tuple[Run, Path], tmp_path: Path) -> None:
    run, image = image_run
    assert steps(run.output) == [
        *DISK_STEPS, "filesystems", "mount", "debootstrap", "configure", "packages",
        "bootloader", "services", "finish", "report",
    ]  # fmt: skip
    assert [body["status"] for _, body in run.posts] == ["installed"]
    assert partitions(image) == [("1", "EF02", "bios-boot"), ("2", "8300", "root")]
    assert detached(image)  # the installer let go of its loop device
    if not DEV_DISK_BEFORE:  # no udev: the installer made /dev/disk for GRUB, and removed it
        assert not Path("/dev/disk").exists()
    with open(image, "rb") as disk:
        mbr = disk.read(512)
        disk.seek(2048 * 512)  # the BIOS boot partition: GRUB's core image
        core = disk.read(512)
    assert b"GRUB" in mbr and mbr[510:] == b"\x55\xaa"
    assert core.strip(b"\0")
    with mounted_partition(image, 2, tmp_path / "root") as device:
        root = tmp_path / "root"
        uuid = subprocess.run(
            ["blkid", "-s", "UUID", "-o", "value", str(device)],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        fstab = (root / "etc/fstab").read_text().splitlines()
        assert f"UUID={uuid} / ext4 errors=remount-ro 0 1" in fstab
        grub = (root / "boot/grub/grub.cfg").read_text()
        assert f"root=UUID={uuid} ro console=tty0 console=ttyS0,115200n8" in grub
        assert "serial --unit=0 --speed=115200" in grub
        assert (root / "boot/grub/i386-pc/core.img").exists()
        assert (root / "etc/hostname").read_text() == "cl1-compute-1\n"
        assert not (root / "usr/sbin/policy-rc.d").exists()


def md_available() -> bool:
    if not Path("/proc/mdstat").exists():
        subprocess.run(["modprobe", "md_mod"], capture_output=True)
    return Path("/proc/mdstat").exists()


@needs_loop
def test_raid1_over_two_disk_images(
    tmp_path: Path, status_server: StatusServer, node_pki: Pki, debs: Path
) -> None:
    images = disk_images(tmp_path, 2)
    # a disk that was used before: three partitions, one with a file system
    old = ["-n", "1:0:+100M", "-n", "2:0:+100M", "-t", "2:FD00", "-n", "3:0:+100M"]
    subprocess.run(["sgdisk", *old, str(images[0])], capture_output=True, check=True)
    with attached(images[0], writable=True) as loop:
        subprocess.run(["mkfs.ext4", "-q", f"{loop}p3"], check=True)
    inputs = real_inputs(
        node_pki,
        status_server.url,
        install_on_raid=True,
        raid_type="1",
        raid_devices=("sda", "sdb"),
    )
    run = install(tmp_path, inputs, status_server, debs, "--disk-image", ",".join(map(str, images)))
    assert re.search(r"wiping /dev/loop\d+p3\n", run.output)  # the old file system
    for image in images:
        # both disks partitioned alike, their last partition a RAID member
        assert partitions(image) == [("1", "EF02", "bios-boot"), ("2", "FD00", "root")]
        assert detached(image)
    if not md_available():
        # This kernel has no md driver (containers): the installer says so and stops.
        assert run.returncode != 0
        assert steps(run.output) == [*DISK_STEPS, "raid"]
        assert "this kernel has no software RAID" in run.output
        assert [body["status"] for _, body in run.posts] == ["install-failed"]
        assert run.posts[0][1]["message"].startswith("oci-install: step raid failed")
        return
    assert run.returncode == 0, run.output[-5000:]
    for image in images:
        with attached(image) as loop:
            examined = subprocess.run(
                ["mdadm", "--examine", f"{loop}p2"], capture_output=True, text=True
            )
            assert "Raid Level : raid1" in examined.stdout


@needs_loop
def test_uefi_disk_image(
    tmp_path: Path, status_server: StatusServer, node_pki: Pki, debs: Path
) -> None:
    [image] = disk_images(tmp_path, 1)
    inputs = real_inputs(node_pki, status_server.url, firmware="uefi")
    run = install(tmp_path, inputs, status_server, debs, "--disk-image", str(image))
    assert partitions(image) == [("1", "EF00", "efi"), ("2", "8300", "root")]
    assert detached(image)
    with attached(image) as loop:
        # the ESP is a real FAT file system, whatever happens next
        check = subprocess.run(["fsck.vfat", "-n", f"{loop}p1"], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    if "vfat" not in Path("/proc/filesystems").read_text():
        # No FAT in this kernel (containers): the ESP cannot be mounted.
        assert run.returncode != 0
        assert steps(run.output) == [*DISK_STEPS, "filesystems", "mount"]
        assert [body["status"] for _, body in run.posts] == ["install-failed"]
        return
    assert run.returncode == 0, run.output[-5000:]
    with mounted_partition(image, 1, tmp_path / "esp"):
        assert (tmp_path / "esp/EFI/BOOT/BOOTX64.EFI").exists()
