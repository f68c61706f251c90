"""What a booting machine is told to boot: pure decisions and rendered scripts.

The boot service (oci/api/boot.py) calls these with the parameters iPXE or
GRUB sent, already validated (`BootRequest`), and the machine's state from
the inventory. Nothing here reads the database or the request.

Decisions follow the machine's state:
  unknown, live, installing, install-failed   -> the discovery live image
  installed, firstboot, puppet-*              -> the local disk
The rendered text comes from Jinja2 templates in the sandbox with
StrictUndefined (oci/templates.py); every value placed in it passes the
`bootword` filter, which refuses anything but a small safe alphabet, so a
crafted MAC, serial or URL can never add a command to an iPXE script or a
grub.cfg (both expand `${...}` and split on `;`, `&&`, `||`, newlines).
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args
from urllib.parse import urlsplit

from oci import templates
from oci.models.status import MachineStatus

__all__ = [
    "BootAction",
    "BootImage",
    "BootRequest",
    "InvalidBootParameter",
    "canonical_mac",
    "decide",
    "grub_config",
    "ipxe_chain_script",
    "ipxe_script",
    "kernel_args",
]

# iPXE's ${netX/mac} (colons) or ${netX/mac:hexhyp} (hyphens), any case. No back
# reference: the API documents it as a JSON Schema pattern, and pydantic checks it.
MAC_PATTERN = r"^([0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5})$"
MAC_RE = re.compile(MAC_PATTERN)
# iPXE's ${platform} and ${buildarch}.
Platform = Literal["pcbios", "efi"]
Architecture = Literal["i386", "x86_64", "arm32", "arm64", "riscv32", "riscv64"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)
ARCHITECTURES: tuple[Architecture, ...] = get_args(Architecture)
# iPXE and GRUB command lines: no white space, quotes, $, ;, &, |, #, braces, backslash.
SAFE_WORD = re.compile(r"^[A-Za-z0-9._:/=,@%+?~\[\]-]*$")
# What the server's own URL may look like (setting or Host header).
SERVER_URL = re.compile(r"^https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~/-]*)?$")
# A serial is only ever looked up, never printed into a script; still bounded.
SERIAL_RE = re.compile(r"^[\x20-\x7e]{1,128}$")


class InvalidBootParameter(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def canonical_mac(value: str) -> str:
    """aa:bb:cc:dd:ee:ff from either iPXE form (colons or hyphens, any case)."""
    if not MAC_RE.match(value):
        raise InvalidBootParameter("mac", "not a MAC address (aa:bb:cc:dd:ee:ff)")
    return value.lower().replace("-", ":")


@dataclass(frozen=True)
class BootRequest:
    """What iPXE (or GRUB) says about the booting machine, validated."""

    mac: str | None = None
    uuid: str | None = None
    serial: str | None = None
    buildarch: str | None = None
    platform: str | None = None

    @classmethod
    def parse(cls, values: Mapping[str, str | None]) -> BootRequest:
        """Validate the raw parameters; empty strings (unset iPXE settings) are None."""
        raw = {key: (value or "").strip() or None for key, value in values.items()}
        raw_mac = raw.get("mac")
        mac = canonical_mac(raw_mac) if raw_mac else None
        uuid = None
        if raw.get("uuid"):
            try:
                uuid = str(uuidlib.UUID(raw["uuid"]))
            except ValueError:
                raise InvalidBootParameter("uuid", "not a UUID") from None
        serial = raw.get("serial")
        if serial is not None and not SERIAL_RE.match(serial):
            raise InvalidBootParameter("serial", "1 to 128 printable ASCII characters")
        buildarch = raw.get("buildarch")
        if buildarch is not None and buildarch not in ARCHITECTURES:
            raise InvalidBootParameter("buildarch", f"one of {', '.join(ARCHITECTURES)}")
        platform = raw.get("platform")
        if platform is not None and platform not in PLATFORMS:
            raise InvalidBootParameter("platform", f"one of {', '.join(PLATFORMS)}")
        return cls(mac, uuid, serial, buildarch, platform)

    @property
    def is_efi(self) -> bool:
        return self.platform == "efi"


class BootAction(StrEnum):
    LIVE = "live"  # the discovery live image
    LOCAL = "local"  # the installed system on the local disk


LIVE_STATES = frozenset(
    {MachineStatus.LIVE, MachineStatus.INSTALLING, MachineStatus.INSTALL_FAILED}
)


def decide(status: MachineStatus | None) -> BootAction:
    """Unknown machines and those the live system works on boot it; the rest their disk."""
    if status is None or status in LIVE_STATES:
        return BootAction.LIVE
    return BootAction.LOCAL


@dataclass(frozen=True)
class BootImage:
    """Where the live image is: its base URL and whether it has a squashfs
    (the lab's small initramfs has none: it is the whole system)."""

    base_url: str  # http://server:port/boot/files
    has_squashfs: bool


def bootword(value: object) -> str:
    """The Jinja filter every value of a boot template passes: refuse, never escape."""
    text = str(value)
    if not SAFE_WORD.match(text):
        raise ValueError(f"unsafe value for a boot script: {text!r}")
    return text


templates.register_filter("bootword", bootword)


def kernel_args(
    server_url: str,
    image: BootImage,
    request: BootRequest,
    *,
    console: str,
    initrd_name: str | None = None,
) -> list[str]:
    """The live image's kernel command line, one safe word per item."""
    args = []
    if initrd_name:  # UEFI iPXE needs it to hand the initrd over
        args.append(f"initrd={initrd_name}")
    args += ["boot=live", "components"]
    if image.has_squashfs:
        args.append(f"fetch={image.base_url}/filesystem.squashfs")
    args.append("console=tty0")
    if console:
        args.append(f"console={console}")
    args.append(f"oci.server={server_url}")
    if request.mac:
        args.append("BOOTIF=01-" + request.mac.replace(":", "-"))
    return [bootword(arg) for arg in args]


def grub_tftp_config(
    server_url: str,
    request: BootRequest,
    action: BootAction,
    image: BootImage,
    *,
    console: str,
    reason: str,
) -> str:
    """A grub.cfg for the TFTP tree: Debian 12's signed GRUB fetches over TFTP only
    (its image has no http module and Secure Boot forbids loading one)."""
    context = _context(server_url, request, action, 0)
    context |= {
        "reason": reason,
        "args": kernel_args(server_url, image, request, console=console),
    }
    return templates.render("pxe/grub-tftp.cfg.j2", **context)


def grub_http_host(url: str) -> str:
    """The host of `(http,HOST)` for GRUB 2.06, which has no port syntax and always
    uses port 80: a URL on another port (or https) cannot be reached by it."""
    parsed = urlsplit(url)
    if parsed.scheme != "http" or parsed.port not in (None, 80) or not parsed.hostname:
        raise ValueError(
            f"GRUB (2.06) fetches over plain HTTP on port 80 only; {url!r} is not reachable "
            "by the Secure Boot path: serve the boot service on port 80 (boot_server_url)"
        )
    return parsed.hostname


def _context(
    server_url: str, request: BootRequest, action: BootAction, timeout_s: int
) -> dict[str, object]:
    return {
        "server_url": server_url,
        "mac": request.mac or "unknown",
        "efi": request.is_efi,
        "action": str(action),
        "timeout_ms": timeout_s * 1000,
        "timeout_s": timeout_s,
    }


def ipxe_script(
    server_url: str,
    request: BootRequest,
    action: BootAction,
    image: BootImage,
    *,
    console: str,
    timeout_s: int,
    reason: str,
) -> str:
    """The iPXE script that boots `action` for the machine of `request`."""
    context = _context(server_url, request, action, timeout_s)
    context |= {
        "reason": reason,
        "kernel_url": f"{image.base_url}/vmlinuz",
        "initrd_url": f"{image.base_url}/initrd.img",
        "args": kernel_args(
            server_url,
            image,
            request,
            console=console,
            initrd_name="initrd.img" if request.is_efi else None,
        ),
    }
    return templates.render("pxe/ipxe.j2", **context)


def ipxe_chain_script(server_url: str, timeout_s: int) -> str:
    """The first script, for a request without parameters (a DHCP boot file
    URL cannot carry iPXE's settings): ask again, saying who we are."""
    return templates.render("pxe/chain.ipxe.j2", server_url=server_url, timeout_ms=timeout_s * 1000)


def grub_config(
    server_url: str,
    request: BootRequest,
    action: BootAction,
    image: BootImage,
    *,
    console: str,
    timeout_s: int,
    reason: str,
) -> str:
    """The per-machine grub.cfg of the Secure Boot path (shim -> GRUB -> this)."""
    context = _context(server_url, request, action, timeout_s)
    path = image.base_url.partition("://")[2].partition("/")[2]
    context |= {
        "reason": reason,
        "http_host": grub_http_host(image.base_url),
        "files_path": "/" + path,
        "args": kernel_args(server_url, image, request, console=console),
    }
    return templates.render("pxe/grub.cfg.j2", **context)
