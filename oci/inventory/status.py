# Writes: a machine's state and its events.
"""A machine's lifecycle state: the one place it changes, through allowed transitions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci import remote
from oci.errors import Conflict, Forbidden
from oci.hooks import document as hooks
from oci.inventory.machines import locked_machine_by_key
from oci.models import DiscoveryReport, IpAddress, Machine, MachineEvent, MachineStatus
from oci.models.status import InvalidTransition, check_transition

__all__ = ["change_status", "live_target", "newest_report_source", "own_addresses"]

# The states that run the operator's hooks of the same name (oci.hooks).
HOOKED: dict[MachineStatus, hooks.Event] = {
    MachineStatus.INSTALLED: "installed",
    MachineStatus.PUPPET_SUCCESS: "puppet-success",
    MachineStatus.PUPPET_FAILURE: "puppet-failure",
}


def own_addresses(session: Session, machine: Machine) -> set[str]:
    """Where the machine itself calls from: its cluster addresses and the
    source of its newest discovery report (the live system's DHCP address)."""
    addresses = set(
        session.scalars(
            # Not its BMC's address: the BMC is not the machine's operating system.
            select(IpAddress.address).where(
                IpAddress.machine_id == machine.id, IpAddress.purpose == "host"
            )
        )
    )
    newest = newest_report_source(session, machine)
    if newest:
        addresses.add(newest)
    return addresses


def newest_report_source(session: Session, machine: Machine) -> str | None:
    """The address the machine's newest discovery report came from (its live system)."""
    return session.scalar(
        select(DiscoveryReport.source)
        .where(DiscoveryReport.machine_id == machine.id, DiscoveryReport.source.is_not(None))
        .order_by(DiscoveryReport.id.desc())
        .limit(1)
    )


def live_target(session: Session, machine: Machine, ssh_port: int) -> remote.Target:
    """SSH to the machine's live system: where it last reported from, its host keys pinned."""
    keys = tuple(k.public_key for k in machine.ssh_host_keys)
    source = newest_report_source(session, machine)
    if not keys or not source:
        raise Conflict(
            f"machine {machine.serial or machine.id}'s live system has not reported "
            f"{'its SSH host keys' if not keys else 'from any address'}: boot it on the "
            "live image first"
        )
    return remote.Target(source, keys, port=ssh_port)


def change_status(
    session: Session,
    key: str,
    wanted: MachineStatus,
    *,
    caller_address: str | None = None,
    message: str | None = None,
    applied_document: str | None = None,
) -> Machine:
    """Move machine `key` to `wanted` if its lifecycle allows it.

    `caller_address` is given when an unauthenticated node calls from a
    trusted network: it may only change its own state.
    """
    machine = locked_machine_by_key(session, key)
    if caller_address is not None and caller_address not in own_addresses(session, machine):
        raise Forbidden(
            f"{caller_address} is not an address of machine {key}: a node reports its own "
            "state, anyone else needs credentials"
        )
    current = machine.status
    try:
        check_transition(current, wanted)
    except InvalidTransition as exc:
        raise Conflict(str(exc), {"current": current.value, "wanted": wanted.value}) from exc
    machine.status = wanted
    if wanted is MachineStatus.PUPPET_SUCCESS and applied_document is not None:
        machine.enc_applied = applied_document  # encrypted by the caller
    text = f"status {current.value} -> {wanted.value}"
    session.add(
        MachineEvent(
            machine=machine,
            kind="status-changed",
            message=f"{text}: {message}" if message else text,
            details={"from": current.value, "to": wanted.value, "caller": caller_address},
        )
    )
    session.flush()
    if wanted in HOOKED:
        hooks.queue(
            session, HOOKED[wanted], machine, previous_status=current.value, message=message
        )
    return machine
