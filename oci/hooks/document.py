"""What a hook reads on stdin, built while the change is still in its transaction.

A writing stage calls ``queue(session, event, machine)``; the document is
made there and then, from the rows as the transaction leaves them (the
machine of a "removed" event as it was before it left its cluster).
Nothing is queued when the session's factory has no hooks (``dispatch``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy.orm import Session

from oci.models import Machine
from oci.models.types import utcnow

__all__ = [
    "DISPATCHER",
    "EVENTS",
    "JOBS",
    "ON_DEMAND",
    "Event",
    "Job",
    "document",
    "make_job",
    "queue",
]

Event = Literal[
    "enrolled",
    "installed",
    "puppet-success",
    "puppet-failure",
    "removed",
    # Run only when asked (ocicli machine-to-dns ...), as OCI runs its DNS and
    # monitoring plugins on demand: a site links its scripts in.
    "to-dns",
    "out-of-dns",
    "to-monitoring",
    "out-of-monitoring",
]
EVENTS: tuple[Event, ...] = get_args(Event)
ON_DEMAND: tuple[Event, ...] = ("to-dns", "out-of-dns", "to-monitoring", "out-of-monitoring")
VERSION = 1  # of the document; bumped when a field changes meaning or goes away
# Keys of Session.info: the dispatcher the factory gives its sessions, and the
# jobs a transaction queued (run after its commit, dropped with its rollback).
DISPATCHER = "oci_hooks_dispatcher"
JOBS = "oci_hooks_jobs"


@dataclass(frozen=True)
class Job:
    event: Event
    machine_id: int
    machine_name: str  # serial, or id: for the log when the machine is gone
    text: str  # the JSON document


def machine_document(machine: Machine) -> dict[str, Any]:
    """The machine as a hook sees it: names and addresses, never a secret."""
    addresses = sorted(
        ((ip.network.name, ip.address) for ip in machine.ip_addresses if ip.purpose == "host"),
    )
    bmc = machine.bmc
    return {
        "id": machine.id,
        "serial": machine.serial,
        "system_uuid": machine.system_uuid,
        "hostname": machine.hostname,
        "cluster": machine.cluster.name if machine.cluster else None,
        "domain": machine.cluster.domain if machine.cluster else None,
        "role": machine.role.name if machine.role else None,
        "location": machine.location.name if machine.location else None,
        "status": machine.status.value,
        "product_name": machine.product_name,
        "hardware_profile": machine.hardware_profile,
        "addresses": [{"network": net, "address": address} for net, address in addresses],
        "bmc_address": (bmc.ipmi_address or bmc.ip_address) if bmc else None,
    }


def document(event: Event, machine: Machine, **extra: Any) -> dict[str, Any]:
    return {
        "version": VERSION,
        "event": event,
        "time": utcnow().isoformat(timespec="seconds"),
        "machine": machine_document(machine),
        **extra,
    }


def make_job(event: Event, machine: Machine, **extra: Any) -> Job:
    text = json.dumps(document(event, machine, **extra), sort_keys=True)
    return Job(event, machine.id, machine.serial or str(machine.id), text)


def queue(session: Session, event: Event, machine: Machine, **extra: Any) -> None:
    """Run ``event``'s hooks for ``machine`` once this transaction commits."""
    if session.info.get(DISPATCHER) is not None:
        session.info.setdefault(JOBS, []).append(make_job(event, machine, **extra))
