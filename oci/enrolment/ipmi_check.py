# Writes: IP addresses of purpose bmc (the BMC addresses found in ipmi networks).
"""ipmi-assign-check: record the BMC addresses machines already have in an ipmi network.

OCI's ``ipmi-assign-check`` goes through every machine and, when the BMC address
it reported falls in a network of role ipmi and is not recorded yet, records it,
so that no later set-up hands the same address to another BMC. Ours does the
same, in one transaction, and also says what it could not record (an address
another machine or a VIP holds), instead of skipping it silently.

A machine whose BMC was given another address (machine-set-ipmi) than the one
it reports is skipped, as OCI does: the reported one is about to change.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from oci.enrolment import ipam
from oci.models import Bmc, IpAddress, Machine, Network

__all__ = ["CheckResult", "assign_check"]

PURPOSE = "bmc"


@dataclass
class CheckResult:
    recorded: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    checked: int = 0

    @property
    def message(self) -> str:
        lines = [
            f"Recorded IPMI addr {r['address']} for machine with serial {r['serial']}."
            for r in self.recorded
        ]
        lines += [
            f"Not recorded: IPMI addr {c['address']} of machine {c['serial']} is held by "
            f"{c['held_by']}."
            for c in self.conflicts
        ]
        return "\n".join(lines) or "All checked: done nothing."


def _reported_address(bmc: Bmc) -> ipam.IPAddress | None:
    if not bmc.ip_address or (bmc.ipmi_address and bmc.ipmi_address != bmc.ip_address):
        return None
    try:
        return ipaddress.ip_address(bmc.ip_address)
    except ValueError:
        return None


def _usable(network: ipam.IPNetwork, address: ipam.IPAddress) -> bool:
    """Is ``address`` one ``ipam.usable_hosts`` yields (without walking a /16)?"""
    if address.version != network.version or address not in network:
        return False
    if network.num_addresses <= 2:
        return True
    gateway = network.network_address + 1
    if address in (network.network_address, gateway):
        return False
    return network.version == 6 or address != network.broadcast_address


def _holder(row: IpAddress) -> str:
    if row.machine is not None:
        return f"machine {row.machine.serial or row.machine.id}"
    return f"the {row.vip_usage or ''} VIP".replace("  ", " ")


def assign_check(session: Session) -> CheckResult:
    networks = list(
        session.scalars(
            select(Network).where(Network.role == "ipmi").order_by(Network.name).with_for_update()
        )
    )
    result = CheckResult()
    if not networks:
        return result
    bmcs = session.scalars(
        select(Bmc).options(joinedload(Bmc.machine)).join(Bmc.machine).order_by(Machine.serial)
    )
    for bmc in bmcs:
        address = _reported_address(bmc)
        if address is None:
            continue
        result.checked += 1
        for network in networks:
            if not _usable(network.ip_network, address):
                continue
            held = session.scalar(
                select(IpAddress).where(
                    IpAddress.network_id == network.id, IpAddress.address == str(address)
                )
            )
            mine = session.scalar(
                select(IpAddress.id).where(
                    IpAddress.network_id == network.id, IpAddress.machine_id == bmc.machine_id
                )
            )
            serial = str(bmc.machine.serial or bmc.machine_id)
            if held is not None and held.machine_id == bmc.machine_id:
                continue  # recorded already
            if held is not None or mine is not None:
                by = _holder(held) if held is not None else "another address of its own"
                result.conflicts.append(
                    {
                        "serial": serial,
                        "address": str(address),
                        "network": network.name,
                        "held_by": by,
                    }
                )
                continue
            session.add(
                IpAddress(
                    network_id=network.id,
                    address=str(address),
                    machine_id=bmc.machine_id,
                    purpose=PURPOSE,
                )
            )
            result.recorded.append(
                {"serial": serial, "address": str(address), "network": network.name}
            )
    session.flush()
    return result
