"""`machine-ipmi-cmd`: one ipmitool command against a BMC over the network, from the server.

OCI passes the operator's text to a shell after ``ipmitool -P PASSWORD``. Here
the text is split into words (shlex) and checked against an allow-list of the
first two words (command and action; see `ALLOWED`): only forms that read the
BMC's state or drive power, boot device, identify light, SOL sessions or the
BMC's own reset. Everything else is refused, in particular:

- forms that read or write files on the oci server, as the service user:
  `exec`, `shell`, `sdr dump FILE`, `sel save FILE`, `sel readraw FILE`,
  `sel writeraw FILE`, `fru read/write N FILE`, `sdr fill file FILE`... none
  is allowed, and no word may hold a `/` (a path) as a second guard;
- forms that carry a password in ipmitool's arguments (visible in ps, and
  echoed in the answer's `command`): any word `password`, `user test`, `raw`
  (its bytes may be a Set User Password); machine-renew-ipmi-password and
  machine-set-ipmi --password-file handle passwords;
- options (GNU getopt would let `-H`/`-f`/`-P` anywhere override ours).

The password reaches ipmitool in its environment (`-E`), never in its
arguments; ipmitool runs with a deadline.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass

from oci.bmc.ipmi import BmcAccess
from oci.errors import Invalid

__all__ = ["ALLOWED", "ALONE", "REFUSED", "IpmitoolResult", "argv_for", "parse_command", "run"]

# (command, action) -> the third words allowed, or None for any. Each is safe because
# it only reads the BMC's state, or changes what an operator may change with the
# power and boot commands anyway, and none takes a file name or a password.
ALLOWED: dict[tuple[str, str], frozenset[str] | None] = {
    # Power, boot device and identify light: what machine-power/-bootdev do.
    ("chassis", "status"): None,
    ("chassis", "power"): frozenset({"status", "on", "off", "cycle", "reset", "soft", "diag"}),
    ("chassis", "bootdev"): None,  # a device and options=...: no file, no secret
    ("chassis", "identify"): None,  # seconds or force
    ("chassis", "restart_cause"): None,
    ("chassis", "poh"): None,
    ("power", "status"): None,
    ("power", "on"): None,
    ("power", "off"): None,
    ("power", "cycle"): None,
    ("power", "reset"): None,
    ("power", "soft"): None,
    ("power", "diag"): None,
    # The BMC itself: identity, self-test; a warm or cold reset restarts the BMC
    # only (the server keeps running), the usual cure of a stuck BMC.
    ("mc", "info"): None,
    ("mc", "selftest"): None,
    ("mc", "guid"): None,
    ("mc", "reset"): frozenset({"warm", "cold"}),
    ("bmc", "info"): None,  # bmc is ipmitool's other name for mc
    ("bmc", "selftest"): None,
    ("bmc", "guid"): None,
    # The event log: reading it; clearing it loses only events (OCI's operators
    # clear it after a repair). Not save/readraw/writeraw: they take a file.
    ("sel", "info"): None,
    ("sel", "list"): None,
    ("sel", "elist"): None,
    ("sel", "get"): None,
    ("sel", "clear"): None,
    ("sel", "time"): frozenset({"get"}),
    # Sensors and inventory, read only. Not sdr dump/fill, fru read/write/edit.
    ("sdr", "list"): None,
    ("sdr", "elist"): None,
    ("sdr", "type"): None,
    ("sdr", "info"): None,
    ("sdr", "get"): None,
    ("sensor", "list"): None,
    ("sensor", "get"): None,
    ("sensor", "reading"): None,
    ("fru", "print"): None,
    ("fru", "list"): None,
    ("dcmi", "power"): frozenset({"reading"}),
    ("dcmi", "discover"): None,
    # Network, users, channels, sessions: printed, never set (lan set and user set
    # change how oci reaches the BMC: machine-apply-ipmi, machine-ipmi-setup).
    ("lan", "print"): None,
    ("user", "list"): None,
    ("user", "summary"): None,
    ("channel", "info"): None,
    ("channel", "getaccess"): None,
    ("channel", "getciphers"): None,
    ("session", "info"): None,
    # Serial over LAN: its settings, and ending a session left open (activate is
    # interactive: machine-console).
    ("sol", "info"): None,
    ("sol", "deactivate"): None,
}
# Commands whose one word alone is a read: fru (print), sdr (list), sensor (list), sel (info).
ALONE = frozenset({"fru", "sdr", "sensor", "sel"})
# Refused with what to use instead: (words the command starts with, why, instead).
PASSWORDS = "use ocicli machine-renew-ipmi-password, or machine-set-ipmi --password-file"
REFUSED = (
    (("exec",), "reads a file of commands on the server", "not available"),
    (("shell",), "is an ipmitool prompt on the server", "not available"),
    (("sol", "activate"), "is interactive", "use ocicli machine-console"),
    (("user", "set", "password"), "would put a password in ipmitool's arguments on the server",
     PASSWORDS),
    (("user", "test"), "would put a password in ipmitool's arguments on the server", PASSWORDS),
    (("raw",), "can set a password, or anything, with bytes oci cannot check", PASSWORDS),
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
    lowered = tuple(w.lower() for w in words)
    for start, why, instead in REFUSED:
        if lowered[: len(start)] == start:
            if start in (("exec",), ("shell",)):
                raise refuse(f"{words[0]!r} is not one of the commands oci runs: it {why}")
            raise refuse(f"{' '.join(start)!r} {why}: {instead}")
    if "password" in lowered:
        raise refuse(f"a password in ipmitool's arguments is visible on the server: {PASSWORDS}")
    pair = lowered[:2]
    if len(pair) == 1 and pair[0] in ALONE:
        return words
    if pair not in ALLOWED:
        raise refuse(
            f"{' '.join(words[:2])!r} is not one of the read-only or power/boot forms oci "
            f"runs: {', '.join(' '.join(p) for p in sorted(ALLOWED))}"
        )
    thirds = ALLOWED[pair]
    if thirds is not None and (len(lowered) < 3 or lowered[2] not in thirds):
        raise refuse(f"{' '.join(pair)!r} takes one of: {', '.join(sorted(thirds))}")
    for word in words:
        if "/" in word:
            raise refuse(f"{word!r} looks like a file on the server; no command here takes one")
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
