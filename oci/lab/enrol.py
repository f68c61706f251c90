"""How the lab's machines get into cluster cl1: the server's own hands-free enrolment.

`oci lab up` configures its server as an operator would: a profiles
directory holding the lab's profiles and switch rules
(oci/matching/examples/lab.yaml), and enrolment on the first report
(`SETTINGS`). Every report the agent posts then runs the policy of
oci/enrolment/automation.py: the winning profile's settings, the rack from LLDP, and
machine-add to the profile's cluster with its role, in the location the
switch rules give. The lab never calls machine-add itself; the watcher
(oci/lab/watch.py) only reads the inventory, and `held()` says why a
machine is waiting when the policy left it out. Once they are enrolled the
lab gives the server their BMCs (`register_bmcs`), as an operator would.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from oci.cli.client import ApiClient
from oci.lab.fleet import LabMachine
from oci.lab.machines import bmc_access, bmc_password_file

__all__ = [
    "PROFILES_FILE",
    "SETTINGS",
    "held",
    "install_profiles",
    "lab_profiles_text",
    "register_bmcs",
    "set_ipmi_commands",
]

PROFILES_FILE = "lab.yaml"
# Apply the profile, rack and add on the first report: the lab's machines are
# known, and waiting for more reports would cost the agent's 30 s interval each.
SETTINGS = {"auto_apply_after": 1, "auto_add_after": 1}


def lab_profiles_text() -> str:
    return resources.files("oci.matching").joinpath(f"examples/{PROFILES_FILE}").read_text("utf-8")


def install_profiles(directory: Path) -> bool:
    """Put the lab's profiles file in ``directory``; False when one is there already
    (kept: the operator may have edited it; the server re-reads it on change)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / PROFILES_FILE
    if target.exists():
        return False
    partial = directory / f".{PROFILES_FILE}.partial"  # not *.yaml: never read half-written
    partial.write_text(lab_profiles_text(), encoding="utf-8")
    partial.replace(target)
    return True


def held(client: ApiClient, serial: str) -> str | None:
    """Why hands-free enrolment left the machine out (its newest auto-enrolment
    event: no profile matches, no location, ...), or None when it said nothing."""
    page = client.get(
        ApiClient.path("events"), machine=serial, kind="auto-enrolment", limit=1, offset=0
    )
    items = page.get("items") or []
    return str(items[0]["message"]) if items else None


def register_bmcs(
    client: ApiClient, lab_dir: Path, machines: list[LabMachine], show: Callable[[str], None]
) -> None:
    """Tell the server how to reach each machine's BMC, as an operator does with
    machine-set-ipmi: then machine-power, -bootdev and -ipmi-reboot-on-* work."""
    for machine in machines:
        access = bmc_access(lab_dir, machine)
        body = {
            "username": access.username,
            "password": access.password,
            "address": access.address,
            "port": access.port,
        }
        client.put(ApiClient.path("machines", machine.serial, "ipmi"), body)
        show(
            f"      {machine.name}: BMC {access.where} registered "
            f"(ocicli machine-power {machine.serial} status)"
        )


def set_ipmi_commands(lab_dir: Path, machines: list[LabMachine]) -> list[str]:
    """For `up --no-wait` (the machines are not in the inventory yet): how to
    register each BMC once its machine is discovered."""
    lines = []
    for machine in machines:
        access = bmc_access(lab_dir, machine)
        argv = [
            "ocicli", "machine-set-ipmi", machine.serial, "--username", access.username,
            "--address", access.address, "--port", str(access.port),
            "--password-file", str(bmc_password_file(lab_dir, machine)),
        ]  # fmt: skip
        lines.append(f"once {machine.name} is discovered: {shlex.join(argv)}")
    return lines
