# Writes: two machines (one takes the other's place, the other is forgotten).
"""OCI's machine-replace OLD NEW: a new server takes a dead one's place.

NEW takes OLD's host name, cluster, role, location, first-master flag,
machine-set options, host addresses and root key pair (with its root password),
so that DNS, monitoring and the cluster see the same node come back; then OLD
is forgotten, as machine-destroy does. NEW keeps its own hardware, place and
status: it is installed next (machine-install-os). The hooks see OLD
``removed`` (``destroyed``, ``replaced_by``) then NEW ``enrolled``
(``replaces``), in that order, after the commit.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from oci.enrolment.automation import event
from oci.errors import Conflict, Invalid
from oci.hooks import document as hooks
from oci.inventory.machines import locked_machine_by_key
from oci.models import Machine, RootKeyPair

__all__ = ["replace_machine"]


def _locked(session: Session, key: str) -> Machine:
    return locked_machine_by_key(session, key)


def _name(machine: Machine) -> str:
    return machine.serial or str(machine.id)


def replace_machine(session: Session, old_key: str, new_key: str) -> Machine:
    old = _locked(session, old_key)
    new = _locked(session, new_key)
    if old.id == new.id:
        raise Invalid(
            f"{old_key!r} and {new_key!r} are the same machine",
            {"fields": {"new": "another machine than old"}},
        )
    if old.cluster_id is None:
        raise Conflict(
            f"machine {_name(old)} is in no cluster: there is no place to take "
            f"(machine-add {_name(new)} instead)"
        )
    if new.cluster_id is not None:
        raise Conflict(f"machine {_name(new)} is already {new.hostname}: machine-remove it first")
    old_networks = {ip.network_id for ip in old.ip_addresses if ip.purpose == "host"}
    clash = [ip for ip in new.ip_addresses if ip.network_id in old_networks]
    if clash:  # one address per machine per network: its BMC's, say
        raise Conflict(
            f"machine {_name(new)} already holds {clash[0].address} ({clash[0].purpose}) on "
            f"network {clash[0].network.name!r}, where {_name(old)} has its address: "
            "nothing was changed"
        )
    hooks.queue(session, "removed", old, destroyed=True, replaced_by=new.serial)
    place = (old.hostname, old.cluster_id, old.role_id, old.location_id, old.is_first_master)
    settings = dict(old.settings or {})
    # Free the unique host name before the new machine takes it.
    old.hostname = None
    old.is_first_master = False
    session.flush()
    # Through the relationship: deleting OLD would otherwise null the rows it still lists.
    for ip in list(old.ip_addresses):
        if ip.purpose == "host":
            ip.machine = new
        else:
            session.delete(ip)
    session.execute(delete(RootKeyPair).where(RootKeyPair.machine_id == new.id))
    session.execute(
        update(RootKeyPair).where(RootKeyPair.machine_id == old.id).values(machine_id=new.id)
    )
    old_name = _name(old)
    old_serial = old.serial
    session.delete(old)
    session.flush()
    (
        new.hostname,
        new.cluster_id,
        new.role_id,
        new.location_id,
        new.is_first_master,
    ) = place
    new.settings = settings
    session.flush()
    session.expire(new)
    event(session, new, "replaced", f"took the place of machine {old_name} as {new.hostname}")
    hooks.queue(session, "enrolled", new, replaces=old_serial)
    return new
