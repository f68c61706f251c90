"""A BMC for tests: OpenIPMI's simulator (Debian's `ipmi_sim`) in a network namespace.

The simulated BMC has a network port of its own: one end of a veth pair, in
its own namespace, with no address until ipmitool gives it one. Its LAN
settings go through `lan_config_program` (a script of ours) which keeps them
and applies them to that port: after `ipmitool lan set 1 ipaddr A`, the BMC
really answers at A, reached from the test through the veth's other end (the
network's gateway address). Nothing listens outside the namespace.

What stands in for the live system's in-band ipmitool (/dev/ipmi0, which a
test machine does not have) is `inband`: an `ipmitool` wrapper that sends the
very same commands over lanplus to the simulator's loopback, inside its
namespace, as a user the set-up never touches. Put its directory first on the
PATH of the live system's sshd.
"""

from __future__ import annotations

import ipaddress
import os
import random
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

IPMI_SIM = shutil.which("ipmi_sim") or "/usr/bin/ipmi_sim"
IPMITOOL = shutil.which("ipmitool") or "/usr/bin/ipmitool"
INBAND_USER, INBAND_PASSWORD, INBAND_ID = "inband", "inband-pw", 5


def available() -> str | None:
    """Why the simulated BMC cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in (IPMI_SIM, IPMITOOL, shutil.which("ip") or "/sbin/ip"):
        if not os.path.exists(tool):
            return f"needs {tool} (scripts/apt-packages: openipmi, ipmitool, iproute2)"
    return None


# ipmi_sim's lan_config_program: `<port> get|set|check name [value]...`.
LANCONTROL = """#!{python}
import ipaddress, json, subprocess, sys
STATE = {state!r}
port, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
values = json.load(open(STATE))
if op == "get":
    for name in args:
        print(f"{{name}}:{{values.get(name, '')}}")
elif op == "set":
    values.update(zip(args[0::2], args[1::2]))
    json.dump(values, open(STATE, "w"))
    address, mask = values["ip_addr"], values["subnet_mask"]
    subprocess.run(["ip", "address", "flush", "dev", port], check=True)
    if values["ip_addr_src"] == "static" and address != "0.0.0.0":
        prefix = ipaddress.ip_network(f"0.0.0.0/{{mask}}").prefixlen if mask != "0.0.0.0" else 32
        subprocess.run(["ip", "address", "add", f"{{address}}/{{prefix}}", "dev", port], check=True)
        gateway = values["default_gw_ip_addr"]
        if gateway != "0.0.0.0":
            subprocess.run(["ip", "route", "replace", "default", "via", gateway], check=False)
"""

INBAND = """#!/bin/sh
# The live system's in-band ipmitool, simulated: same arguments, sent to the BMC
# over its own loopback. The arguments are logged (a password must not be one).
# Cipher suite 3 (HMAC-SHA1, AES): ipmi_sim leaves ipmitool's query for the
# suites it supports unanswered, and ipmitool waits for it.
printf '%s\\n' "$*" >> {log}
exec ip netns exec {netns} {ipmitool} -I lanplus -C 3 -H 127.0.0.1 -U {user} -f {password_file} "$@"
"""


@dataclass(frozen=True)
class SimulatedBmc:
    netns: str
    network: ipaddress.IPv4Network  # the veth's subnet: the ipmi network of the test
    gateway: str  # the test's end of the veth
    bin_dir: Path  # holds the in-band `ipmitool` wrapper
    argv_log: Path  # every argument list the wrapper was given
    lan_state: Path  # the LAN settings ipmi_sim holds
    process: subprocess.Popen[bytes]

    def inband(self, *args: str) -> str:
        """ipmitool through the in-band stand-in (as the live system would run it)."""
        result = subprocess.run(
            [str(self.bin_dir / "ipmitool"), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def lanplus(
        self, address: str, user: str, password: str, *args: str
    ) -> subprocess.CompletedProcess[str]:
        """Debian's ipmitool over the network, from the test's side of the veth."""
        return subprocess.run(
            [IPMITOOL, "-I", "lanplus", "-C", "3", "-H", address, "-U", user, "-E", *args],
            capture_output=True,
            text=True,
            env=os.environ | {"IPMI_PASSWORD": password},
            timeout=60,
            check=False,
        )


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 of 198.18.0.0/15 (kept for network tests) that no route here uses."""
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    addresses = subprocess.run(["ip", "-4", "address"], capture_output=True, text=True).stdout
    candidates = list(ipaddress.IPv4Network("198.18.0.0/15").subnets(new_prefix=24))
    random.shuffle(candidates)
    for subnet in candidates:
        prefix = str(subnet.network_address).rsplit(".", 1)[0] + "."
        if prefix not in routes and prefix not in addresses:
            return subnet
    raise RuntimeError("no free /24 in 198.18.0.0/15")


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # The kernel's reason (RTNETLINK answers: ...) is the only clue on a CI log.
        raise RuntimeError(f"ip {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")


@contextmanager
def simulated_bmc(workdir: Path, *, channel: int = 1) -> Iterator[SimulatedBmc]:
    """ipmi_sim (manufacturer Dell's IANA number, as the captured fixtures) with its
    LAN on `channel`, in a namespace of its own."""
    workdir.mkdir(parents=True, exist_ok=True)
    # 28 random bits: names stay unique even while a deleted namespace's veth
    # is still being torn down by the kernel (that happens after `netns del`).
    tag = secrets.token_hex(4)[:7]
    netns, outside, inside = f"oci-bmc-{tag}", f"obh{tag}", f"obb{tag}"
    subnet = _free_subnet()
    gateway = str(next(subnet.hosts()))

    state = workdir / "lan-state.json"
    state.write_text(
        '{"ip_addr_src": "dhcp", "ip_addr": "0.0.0.0", "subnet_mask": "0.0.0.0", '
        '"mac_addr": "0c:c4:7a:3e:91:a2", "default_gw_ip_addr": "0.0.0.0", '
        '"default_gw_mac_addr": "00:00:00:00:00:00", "backup_gw_ip_addr": "0.0.0.0", '
        '"backup_gw_mac_addr": "00:00:00:00:00:00"}'
    )
    lancontrol = workdir / "lancontrol"
    lancontrol.write_text(LANCONTROL.format(python=sys.executable, state=str(state)))
    lancontrol.chmod(0o755)
    (workdir / "lan.conf").write_text(
        f'name "ocitest"\nset_working_mc 0x20\n  startlan {channel}\n    addr 0.0.0.0 623\n'
        "    priv_limit admin\n"
        "    allowed_auths_callback none md2 md5 straight\n"
        "    allowed_auths_user none md2 md5 straight\n"
        "    allowed_auths_operator none md2 md5 straight\n"
        "    allowed_auths_admin none md2 md5 straight\n"
        "    guid a123456789abcdefa123456789abcdef\n"
        f'    lan_config_program "{lancontrol} {inside}"\n  endlan\n'
        f'user {INBAND_ID} true "{INBAND_USER}" "{INBAND_PASSWORD}" admin 10 '
        "none md2 md5 straight\n"
    )
    (workdir / "emu.txt").write_text(
        "mc_setbmc 0x20\n"
        "mc_add 0x20 0x20 no-device-sdrs 0x01 0x04 0x28 0xbf 0x0002a2 0x0100\n"
        "mc_enable 0x20\n"
    )
    (workdir / "state").mkdir(exist_ok=True)
    password_file = workdir / "inband.pass"
    password_file.write_text(INBAND_PASSWORD + "\n")
    bin_dir = workdir / "bin"
    bin_dir.mkdir(exist_ok=True)
    argv_log = workdir / "ipmitool-argv.log"
    wrapper = bin_dir / "ipmitool"
    wrapper.write_text(
        INBAND.format(
            log=argv_log,
            netns=netns,
            ipmitool=IPMITOOL,
            user=INBAND_USER,
            password_file=password_file,
        )
    )
    wrapper.chmod(0o755)

    _ip("netns", "add", netns)
    process = None
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", netns)
        _ip("address", "add", f"{gateway}/{subnet.prefixlen}", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("-n", netns, "link", "set", "lo", "up")
        _ip("-n", netns, "link", "set", inside, "up")
        log = open(workdir / "ipmi_sim.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                netns,
                IPMI_SIM,
                "-c",
                str(workdir / "lan.conf"),
                "-f",
                str(workdir / "emu.txt"),
                "-s",
                str(workdir / "state"),
                "-n",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        bmc = SimulatedBmc(netns, subnet, gateway, bin_dir, argv_log, state, process)
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run(
                [str(wrapper), "mc", "info"], capture_output=True, text=True, check=False
            )
            if probe.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "ipmi_sim did not come up: "
                    + (workdir / "ipmi_sim.log").read_text(errors="replace")
                    + probe.stderr
                )
            time.sleep(0.2)
        argv_log.unlink(missing_ok=True)
        yield bmc
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        # Deleting our end takes its peer with it at once; `netns del` alone
        # leaves the pair to the kernel's asynchronous namespace clean-up.
        subprocess.run(["ip", "link", "del", outside], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", netns], check=False, capture_output=True)
