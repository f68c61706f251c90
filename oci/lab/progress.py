"""Where each lab machine is on its way from power-on to its cluster.

Stages, each seen from outside the machine (never from what it says of itself):
  powered-on   QEMU runs (its firmware starts)
  pxe          iPXE asked the boot service for this machine's script (server log)
  kernel       the kernel writes on the serial console (console.log)
  discovered   the inventory has the machine (API)
  located      its LLDP neighbours name the lab's switches and ports (API)
  matched      a hardware profile won and its settings were applied (API)
  placed       the switch rules racked it: datacenter, row, rack, U (API)
  enrolled     hands-free enrolment added it to the profile's cluster (API)
The server's hands-free enrolment may do the last three (and the lab does
all of the last five) on one report, so `reached()` lists every inventory
stage a record shows, not only the furthest. Both are pure: the watcher in
oci/lab/watch.py feeds them what it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oci.lab.fleet import LabMachine

__all__ = ["STAGES", "detail", "located", "reached", "stage", "where"]

STAGES = (
    "powered-on",
    "pxe",
    "kernel",
    "discovered",
    "located",
    "matched",
    "placed",
    "enrolled",
)


def located(machine: LabMachine, record: Mapping[str, Any] | None) -> bool:
    """Every NIC's switch and port, as the lab wired them, are among the machine's
    LLDP neighbours (`switch` of the machine list: "switch:port, ...")."""
    if record is None:
        return False
    seen = {part.strip() for part in (record.get("switch") or "").split(",")}
    return all(f"{wire.switch}:{wire.port}" in seen for wire in machine.wires)


def _booting(machine: LabMachine, server_log: str, console: str) -> str:
    if "Linux version" in console or "oci-init:" in console:
        return "kernel"
    boot_mac = machine.wires[0].mac.replace(":", "-")
    if f"/boot/ipxe?mac={boot_mac}" in server_log:
        return "pxe"
    return "powered-on"


def reached(
    machine: LabMachine, server_log: str, console: str, record: Mapping[str, Any] | None
) -> list[str]:
    """The stages seen reached, in order: the furthest boot stage before the
    inventory knows the machine, then each inventory stage its record shows."""
    if record is None:
        return [_booting(machine, server_log, console)]
    stages = ["discovered"]
    if located(machine, record):
        stages.append("located")
    if record.get("hardware_profile"):
        stages.append("matched")
    if record.get("rack"):
        stages.append("placed")
    if record.get("cluster"):
        stages.append("enrolled")
    return stages


def stage(
    machine: LabMachine, server_log: str, console: str, record: Mapping[str, Any] | None
) -> str:
    """The furthest stage reached."""
    return reached(machine, server_log, console, record)[-1]


def _name(ref: Mapping[str, Any] | None) -> str:
    return str(ref["name"]) if ref else "?"


def detail(name: str, record: Mapping[str, Any]) -> str:
    """What the inventory says of a stage, for the progress line (a machine's full
    record, GET /machines/SERIAL: it has the datacenter, row and addresses)."""
    if name == "located":
        return str(record.get("switch") or "")
    if name == "matched":
        return f"profile {record.get('hardware_profile')}"
    if name == "placed":
        u = f" U{record['u_position']}" if record.get("u_position") else ""
        where = "/".join(str(record.get(k) or "?") for k in ("datacenter", "row", "rack"))
        aggregate = record.get("compute_aggregate")
        return f"rack {where}{u}" + (f", aggregate {aggregate}" if aggregate else "")
    if name == "enrolled":
        addresses = ", ".join(
            f"{ip['address']} ({ip['network']})" for ip in record.get("ip_addresses") or []
        )
        return (
            f"{record.get('hostname')}: cluster {_name(record.get('cluster'))}, "
            f"role {_name(record.get('role'))}, AZ {_name(record.get('location'))}"
            + (f", {addresses}" if addresses else "")
        )
    return ""


def where(record: Mapping[str, Any]) -> str:
    """Host name, role, AZ and rack in one phrase (a machine-list record), or ""."""
    parts = []
    if record.get("hostname"):
        parts.append(
            f"{record['hostname']} ({_name(record.get('role'))}) in {_name(record.get('location'))}"
        )
    if record.get("rack"):
        u = f" U{record['u_position']}" if record.get("u_position") else ""
        parts.append(f"rack {record['rack']}{u}")
    return ", ".join(parts)
