"""Where each lab machine is on its way from power-on to the inventory.

Stages, each seen from outside the machine (never from what it says of itself):
  powered-on   QEMU runs (its firmware starts)
  pxe          iPXE asked the boot service for this machine's script (server log)
  kernel       the kernel writes on the serial console (console.log)
  discovered   the inventory has the machine (API)
  located      its LLDP neighbours name the lab's switches and ports (API)
  enrolled     placed in a cluster by the profiles (issue 5; see oci/lab/enrol.py)
`stage()` is pure: the watcher in oci/lab/command.py feeds it what it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oci.lab.fleet import LabMachine

__all__ = ["STAGES", "located", "stage"]

STAGES = ("powered-on", "pxe", "kernel", "discovered", "located", "enrolled")


def located(machine: LabMachine, record: Mapping[str, Any] | None) -> bool:
    """Every NIC's switch and port, as the lab wired them, are among the machine's
    LLDP neighbours (`switch` of the machine list: "switch:port, ...")."""
    if record is None:
        return False
    seen = {part.strip() for part in (record.get("switch") or "").split(",")}
    return all(f"{wire.switch}:{wire.port}" in seen for wire in machine.wires)


def stage(
    machine: LabMachine, server_log: str, console: str, record: Mapping[str, Any] | None
) -> str:
    if record is not None:
        if record.get("cluster"):
            return "enrolled"
        return "located" if located(machine, record) else "discovered"
    if "Linux version" in console or "oci-init:" in console:
        return "kernel"
    boot_mac = machine.wires[0].mac.replace(":", "-")
    if f"/boot/ipxe?mac={boot_mac}" in server_log:
        return "pxe"
    return "powered-on"
