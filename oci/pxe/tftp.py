"""The TFTP tree: boot loaders from Debian's packages, and GRUB's first grub.cfg.

What firmware that is not iPXE yet loads over TFTP (the DHCP configuration
names these files, oci/pxe/dhcp.py):
  undionly.kpxe   BIOS PXE ROMs chain-load iPXE (package ipxe)
  ipxe.efi        UEFI without Secure Boot: iPXE with its own NIC drivers
  snponly.efi     UEFI: iPXE on the firmware's network stack (SNP)
  shimx64.efi     UEFI Secure Boot: shim, signed by Microsoft (shim-signed)
  grubx64.efi     ... which loads Debian's signed network GRUB
                  (grub-efi-amd64-signed: grubnetx64.efi.signed)
  grub/grub.cfg   ... which reads this file, which asks the boot service for
                  the machine's own grub.cfg (GET /boot/grub.cfg?mac=...)
Debian's network GRUB looks for debian-installer/amd64/grub/grub.cfg on the
TFTP server; the same file is written there too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from oci import boot, templates

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


def grub_first_config(server_url: str) -> str:
    """Debian 12's GRUB (2.06) speaks HTTP to port 80 only: `(http,HOST)` takes no
    port. The Secure Boot path therefore needs the boot service on port 80."""
    if not boot.SERVER_URL.match(server_url):
        raise ValueError(f"not a usable server URL: {server_url!r}")
    return templates.render("boot/grub-first.cfg.j2", http_host=boot.grub_http_host(server_url))


def build_tree(
    root: Path, server_url: str, loaders: dict[str, tuple[str, str]] = LOADERS
) -> list[TreeFile]:
    """Copy the loaders into root and write GRUB's first grub.cfg; what was written."""
    missing = missing_loaders(loaders)
    if missing:
        raise FileNotFoundError(f"install {' '.join(missing)} (apt-get install)")
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (package, source) in loaders.items():
        target = root / name
        partial = root / f".{name}.partial"
        shutil.copyfile(source, partial)
        partial.replace(target)
        written.append(TreeFile(name, target.stat().st_size, package))
    config = grub_first_config(server_url)
    for relative in GRUB_CFG_PATHS:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(config)
        written.append(TreeFile(relative, target.stat().st_size, "oci"))
    return written
