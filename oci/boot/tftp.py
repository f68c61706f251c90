"""The TFTP tree: boot loaders from Debian's packages, and GRUB's first grub.cfg.

What firmware that is not iPXE yet loads over TFTP (the DHCP configuration
names these files, oci/boot/dhcp.py):
  undionly.kpxe   BIOS PXE ROMs chain-load iPXE (package ipxe)
  ipxe.efi        UEFI without Secure Boot: iPXE with its own NIC drivers
  snponly.efi     UEFI: iPXE on the firmware's network stack (SNP)
  shimx64.efi     UEFI Secure Boot: shim, signed by Microsoft (shim-signed)
  grubx64.efi     ... which loads Debian's signed network GRUB
                  (grub-efi-amd64-signed: grubnetx64.efi.signed)
  grub/grub.cfg   ... which reads this file over TFTP, which reads
                  grub/machines/<mac>.cfg if there is one (machines whose
                  state says "local disk": `exit`), else grub/live.cfg
  grub/live.cfg   the live image: live/vmlinuz and live/initrd.img over TFTP,
                  the squashfs (fetch=) and the agent's server over HTTP
Debian 12's signed GRUB has no HTTP client (no http module in the image, and
Secure Boot loads no other), so everything GRUB reads comes over TFTP and the
per-machine decisions are files: run `oci pxe tftp-tree` again (e.g. from
cron) when machines change state. GRUB builds with HTTP can use the boot
service's GET /boot/grub.cfg instead, with the same decisions.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from oci import templates
from oci.boot import scripts as boot
from oci.models.status import MachineStatus

__all__ = ["GRUB_CFG_PATHS", "LOADERS", "TreeFile", "build_tree", "missing_loaders"]

# served name -> (Debian package, installed path)
LOADERS = {
    "undionly.kpxe": ("ipxe", "/usr/lib/ipxe/undionly.kpxe"),
    "ipxe.efi": ("ipxe", "/usr/lib/ipxe/ipxe.efi"),
    "snponly.efi": ("ipxe", "/usr/lib/ipxe/snponly.efi"),
    "shimx64.efi": ("shim-signed", "/usr/lib/shim/shimx64.efi.signed"),
    "grubx64.efi": (
        "grub-efi-amd64-signed",
        "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed",
    ),
}
GRUB_CFG_PATHS = ("grub/grub.cfg", "debian-installer/amd64/grub/grub.cfg")


@dataclass(frozen=True)
class TreeFile:
    path: str  # relative to the tree's root
    size: int
    source: str  # the Debian package, or "oci" for generated files


def missing_loaders(loaders: dict[str, tuple[str, str]] = LOADERS) -> list[str]:
    """The packages to install for the loaders that are not there."""
    return sorted({pkg for pkg, path in loaders.values() if not Path(path).is_file()})


def grub_first_config() -> str:
    return templates.render("pxe/grub-first.cfg.j2")


def grub_live_config(server_url: str, *, has_squashfs: bool, console: str) -> str:
    """The live image over TFTP for a machine oci has no file for (unknown or live)."""
    image = boot.BootImage(f"{server_url}/boot/files", has_squashfs=has_squashfs)
    return boot.grub_tftp_config(
        server_url,
        boot.BootRequest(),
        boot.BootAction.LIVE,
        image,
        console=console,
        reason="no grub/machines file: the live image",
    )


def grub_machine_config(mac: str, state: MachineStatus, console: str) -> str | None:
    """A machine's own file when its state says "local disk"; None: the live default."""
    action = boot.decide(state)
    if action is boot.BootAction.LIVE:
        return None
    image = boot.BootImage("http://unused/boot/files", has_squashfs=False)
    return boot.grub_tftp_config(
        "http://unused",
        boot.BootRequest(mac=boot.canonical_mac(mac)),
        action,
        image,
        console=console,
        reason=f"state {state}",
    )


def build_tree(
    root: Path,
    server_url: str,
    *,
    live_image: Path | None = None,
    machines: dict[str, MachineStatus] | None = None,
    console: str = "ttyS0,115200n8",
    loaders: dict[str, tuple[str, str]] = LOADERS,
) -> list[TreeFile]:
    """Copy the loaders (and the live image's kernel and initrd) into root and
    write GRUB's configurations: the first one, the live default and one per
    machine (MAC -> state) that boots from its disk. What was written."""
    if not boot.SERVER_URL.match(server_url):
        raise ValueError(f"not a usable server URL: {server_url!r}")
    missing = missing_loaders(loaders)
    if missing:
        raise FileNotFoundError(f"install {' '.join(missing)} (apt-get install)")
    root.mkdir(parents=True, exist_ok=True)
    written = []

    def copy(source: Path, name: str, origin: str) -> None:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
        written.append(TreeFile(name, target.stat().st_size, origin))

    def write(name: str, text: str) -> None:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written.append(TreeFile(name, target.stat().st_size, "oci"))

    for name, (package, source) in loaders.items():
        copy(Path(source), name, package)
    has_squashfs = False
    if live_image is not None:
        for name in ("vmlinuz", "initrd.img"):
            copy(live_image / name, f"live/{name}", "live image")
        has_squashfs = (live_image / "filesystem.squashfs").is_file()
    for relative in GRUB_CFG_PATHS:
        write(relative, grub_first_config())
    write("grub/live.cfg", grub_live_config(server_url, has_squashfs=has_squashfs, console=console))
    machines_dir = root / "grub" / "machines"
    if machines_dir.exists():
        shutil.rmtree(machines_dir)  # states change: yesterday's files go
    for mac, state in sorted((machines or {}).items()):
        text = grub_machine_config(mac, state, console)
        if text is not None:
            write(f"grub/machines/{boot.canonical_mac(mac)}.cfg", text)
    return written
