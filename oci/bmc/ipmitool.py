"""`machine-ipmi-cmd`: one ipmitool command against a BMC over the network, from the server.

OCI passes the operator's text to a shell after ``ipmitool -P PASSWORD``. Here
the text is split into words (shlex) and checked: the first word must be an
ipmitool command that only talks to the BMC (not `exec`/`shell`, which read
files or a prompt on the server), no word may look like an option (GNU getopt
would let `-H`/`-f`/`-P` anywhere override ours), and no password may be set
through it. The password reaches ipmitool in its environment (`-E`), never
in its arguments; ipmitool runs with a deadline.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass

from oci.bmc.ipmi import BmcAccess
from oci.errors import Invalid

__all__ = ["ALLOWED", "IpmitoolResult", "argv_for", "parse_command", "run"]

# ipmitool's commands that talk to the BMC only, as OCI's operators use them.
ALLOWED = frozenset(
    {
        "bmc",
        "chassis",
        "channel",
        "dcmi",
        "delloem",
        "fru",
        "lan",
        "mc",
        "power",
        "raw",
        "sdr",
        "sel",
        "sensor",
        "session",
        "sol",
        "user",
    }
)
# Interactive or secret-bearing forms: (words the command starts with, why, instead).
REFUSED = (
    (("sol", "activate"), "is interactive", "use ocicli machine-console"),
    (("user", "set", "password"), "would put a password in ipmitool's arguments on the server",
     "use ocicli machine-renew-ipmi-password"),
)  # fmt: skip
MAX_WORDS = 32


@dataclass(frozen=True)
class IpmitoolResult:
    argv: tuple[str, ...]  # without the password: it is in the environment
    exit_status: int
    output: str


def parse_command(text: str) -> tuple[str, ...]:
    """The words of `text`, checked; an `Invalid` (400) says what is wrong."""

    def refuse(why: str) -> Invalid:
        return Invalid(f"ipmitool command refused: {why}", {"fields": {"command": why}})

    try:
        words = tuple(shlex.split(text))
    except ValueError as exc:
        raise refuse(f"cannot split it into words ({exc})") from None
    if not words:
        raise refuse("empty: give an ipmitool command such as 'chassis power status'")
    if len(words) > MAX_WORDS:
        raise refuse(f"more than {MAX_WORDS} words")
    for word in words:
        if word.startswith("-"):
            raise refuse(f"{word!r} looks like an option; oci sets ipmitool's options itself")
        if any(ord(c) < 32 for c in word):
            raise refuse("control characters")
    if words[0] not in ALLOWED:
        raise refuse(f"{words[0]!r} is not one of: {', '.join(sorted(ALLOWED))}")
    lowered = tuple(w.lower() for w in words)
    for start, why, instead in REFUSED:
        if lowered[: len(start)] == start:
            raise refuse(f"{' '.join(start)!r} {why}: {instead}")
    return words


def argv_for(access: BmcAccess, words: tuple[str, ...], ipmitool: str = "ipmitool") -> list[str]:
    """ipmitool's arguments for `words` on `access`'s BMC; `-E` takes the password from
    the environment variable IPMI_PASSWORD."""
    return [
        ipmitool,
        "-I",
        "lanplus",
        "-H",
        access.address,
        "-p",
        str(access.port),
        "-U",
        access.username,
        "-E",
        "-N",
        "2",  # seconds between retries: a dead BMC answers within the deadline
        "-R",
        "2",
        *words,
    ]


def run(access: BmcAccess, words: tuple[str, ...], timeout: float) -> IpmitoolResult:
    """Run the command; ipmitool's exit status and its output (stdout then stderr)."""
    binary = shutil.which("ipmitool")
    if binary is None:
        raise Invalid("ipmitool is not installed on the oci server (Debian package ipmitool)")
    argv = argv_for(access, words, binary)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "IPMI_PASSWORD": access.password}
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        said = exc.stdout or b""
        text = said.decode(errors="replace") if isinstance(said, bytes) else said
        return IpmitoolResult(tuple(argv), 124, (text + f"\n(killed after {timeout:g} s)").strip())
    output = (done.stdout + done.stderr).strip()
    return IpmitoolResult(tuple(argv), done.returncode, output)
