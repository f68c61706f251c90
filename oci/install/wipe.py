"""OCI's machine-wipe: clear a live machine's disks of what an earlier install left.

In the live system, over SSH: stop any software RAID array, then on each disk
discovery found (but USB ones: the live image may run from one) erase the
signatures (wipefs) and zero its first 100 MiB; partprobe last. While it runs,
the machine's mark of a vendor-tool run (`bmc_setup_until`) is held, so a RAID
or BMC run cannot start meanwhile (the API route takes and clears it). The command
is built from the inventory's disk names, each checked against the kernel's
naming and quoted, never from free text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from datetime import timedelta

import paramiko

from oci import remote
from oci.errors import Conflict

__all__ = ["MARK", "TIMEOUT", "ZEROED_MIB", "command", "wipe"]

ZEROED_MIB = 100  # OCI wrote 100 MB of random data; zeros do as well and faster
TIMEOUT = 600  # seconds the wipe command has in the live system
# How long the machine's mark of a vendor-tool run (bmc_setup_until) is held: the
# command, SSH's connection, a margin. Cleared when the wipe ends, failed or not.
MARK = timedelta(seconds=TIMEOUT + 300)
_DISK = re.compile(r"^[a-z][a-z0-9]{1,31}$")  # sda, vdb, nvme0n1, xvda


def disks_to_wipe(disks: Iterable[tuple[str, str | None]]) -> list[str]:
    """Names of (name, transport) disks to wipe: not USB; Conflict on a strange name."""
    names = []
    for name, transport in disks:
        if transport == "usb":
            continue
        if not _DISK.match(name):
            raise Conflict(f"disk name {name!r} is not a kernel disk name: nothing was wiped")
        names.append(name)
    return names


def command(names: Iterable[str]) -> str:
    """The shell text run in the live system (each disk name quoted)."""
    lines = [
        "set -e",
        # Arrays first: a member of a running array cannot be wiped.
        'for md in /dev/md[0-9]*; do [ -b "$md" ] && mdadm --stop "$md" || true; done',
    ]
    for name in names:
        device = f"/dev/{name}"
        lines.append(shlex.join(["wipefs", "-a", device]))
        lines.append(
            shlex.join(
                ["dd", "if=/dev/zero", f"of={device}", "bs=1M", f"count={ZEROED_MIB}", "conv=fsync"]
            )
            + " 2>/dev/null"
        )
        lines.append(shlex.join(["echo", f"wiped {device}"]))
    lines.append("partprobe || true")
    return "\n".join(lines)


def wipe(target: remote.Target, key: paramiko.PKey, names: list[str]) -> list[str]:
    """Run the wipe; the disks it wiped. RemoteError (502) if a step failed."""
    with remote.session(target, key) as ssh:
        result = remote.run(ssh, command(names), timeout=TIMEOUT)
    if result.exit_status != 0:
        why = (result.stderr or result.stdout).strip().splitlines()
        raise remote.RemoteError(
            f"wiping on {target.where} failed (exit {result.exit_status})"
            + (f": {why[-1]}" if why else "")
        )
    return [
        line.removeprefix("wiped /dev/")
        for line in result.stdout.splitlines()
        if line.startswith("wiped ")
    ]
