# Writes: machines' cluster, role, host name, addresses and options.
"""Writes of machine enrolment: machine-add, machine-remove, machine-destroy, machine-set.

machine-add does everything in one transaction: the role counter gives the
host name, every non-public network of the cluster that serves the role in
the machine's location gives an address (a public network holds the
cluster's VIPs, never a machine's address), the first controller becomes the
first master, and the first sql machine has the SQL VIP reserved. Run it
through oci.transactions.run: the rows it locks and the unique constraints
make concurrent machine-adds safe across processes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from oci.enrolment import addresses, ipam
from oci.enrolment.clusters import reference, release_sql_vip, reserve_sql_vip
from oci.enrolment.ipam import allocate
from oci.enrolment.keys import drop_root_key_pair, give_root_key_pair
from oci.enrolment.options import NONE_IS_UNSET, MachineSettings
from oci.errors import Conflict, Invalid, NotFound
from oci.hooks import document as hooks
from oci.models import Cluster, IpAddress, Location, Machine, Network, Role, RoleCounter
from oci.security.vault import Vault

FIRST_MASTER_ROLE = "controller"
SQL_ROLE = "sql"  # its first machine has the cluster's SQL VIP reserved
# machine-set options kept in machine columns rather than in ``settings``.
PLACE_FIELDS = ("datacenter", "row", "rack", "u_position")


def machine_by_serial(session: Session, serial: str, *, lock: bool = False) -> Machine:
    stmt = select(Machine).where(Machine.serial == serial)
    if lock:
        stmt = stmt.with_for_update()
    machine = session.scalar(stmt)
    if machine is None:
        raise NotFound(f"no machine with serial {serial!r}")
    return machine


def _next_number(session: Session, cluster: Cluster, role: Role) -> int:
    """Take the next N of CLUSTER-ROLE-N, holding the counter's row lock until commit."""
    counter = session.scalar(
        select(RoleCounter)
        .where(RoleCounter.cluster_id == cluster.id, RoleCounter.role_id == role.id)
        .with_for_update()
    )
    if counter is None:
        # Two first machines of a role may both get here: the unique constraint
        # makes one of them fail, and its transaction is retried.
        counter = RoleCounter(cluster_id=cluster.id, role_id=role.id, next_number=1)
        session.add(counter)
        session.flush()
    number = counter.next_number
    counter.next_number = number + 1
    return number


def add_machine(
    session: Session,
    serial: str,
    cluster: str,
    role: str,
    location: str,
    *,
    vault: Vault,
    fixed_ip: str | None = None,
) -> Machine:
    machine = machine_by_serial(session, serial, lock=True)
    return enrol(session, machine, cluster, role, location, vault=vault, fixed_ip=fixed_ip)


def enrol(
    session: Session,
    machine: Machine,
    cluster: str,
    role: str,
    location: str,
    *,
    vault: Vault,
    fixed_ip: str | None = None,
) -> Machine:
    """machine-add of ``machine``, whose row the caller has locked (FOR UPDATE).

    ``vault`` encrypts the machine's new root SSH key pair. ``fixed_ip`` (OCI's
    ``--fixed-ip``) is the address to take on the network that contains it,
    instead of that network's first free one."""
    serial = machine.serial or str(machine.id)
    wanted = addresses.parse_address(fixed_ip, "fixed_ip") if fixed_ip is not None else None
    if machine.cluster_id is not None:
        assert machine.cluster is not None  # the foreign key holds
        raise Conflict(
            f"machine {serial!r} is already {machine.hostname} in cluster "
            f"{machine.cluster.name!r}; machine-remove it first"
        )
    the_cluster = reference(session, Cluster, cluster, "cluster", "cluster")
    the_role = reference(session, Role, role, "role", "role")
    the_location = reference(session, Location, location, "location", "location")

    number = _next_number(session, the_cluster, the_role)
    hostname = ipam.host_name(the_cluster.name, the_role.name, number, the_cluster.domain)
    if len(hostname) > ipam.MAX_HOSTNAME:
        raise Invalid(
            f"host name {hostname!r} would be longer than {ipam.MAX_HOSTNAME} characters",
            {"fields": {"cluster": "cluster name and domain too long for a host name"}},
        )
    if the_role.name == FIRST_MASTER_ROLE:
        # The controller counter's lock, held above, serialises this check.
        master = session.scalar(
            select(Machine.id).where(
                Machine.cluster_id == the_cluster.id, Machine.is_first_master.is_(True)
            )
        )
        machine.is_first_master = master is None

    networks = session.scalars(
        select(Network)
        .where(Network.cluster_id == the_cluster.id, Network.location_id == the_location.id)
        .order_by(Network.id)
        .with_for_update()
    ).all()
    fixed_taken = False
    for network in networks:
        if not ipam.gives_host_address(network, the_role.name):
            continue
        if wanted is not None and wanted in network.ip_network:
            stored = addresses.check_fixed_ip(network, wanted, "fixed_ip")
            addresses.take_fixed(session, network, stored, machine)
            fixed_taken = True
        else:
            allocate(session, network, "host", machine)
    if wanted is not None and not fixed_taken:
        raise Invalid(
            f"--fixed-ip {wanted}: no network of cluster {the_cluster.name!r} in location "
            f"{the_location.name!r} that gives role {the_role.name!r} an address contains it; "
            "nothing was changed",
            {"fields": {"fixed_ip": "in no network this machine takes an address on"}},
        )

    machine.cluster_id = the_cluster.id
    machine.role_id = the_role.id
    machine.location_id = the_location.id
    machine.hostname = hostname
    session.flush()
    give_root_key_pair(session, machine, vault)
    if the_role.name == SQL_ROLE:
        reserve_sql_vip(session, the_cluster)
    session.refresh(machine)
    hooks.queue(session, "enrolled", machine)
    return machine


def by_host_number() -> tuple[Any, ...]:
    """ORDER BY terms that sort CLUSTER-ROLE-N host names by role, then by N as a number."""
    return (Machine.role_id, func.length(Machine.hostname), Machine.hostname)


def _release(session: Session, machine: Machine) -> None:
    """Take ``machine`` out of its cluster: addresses freed, first master handed over.

    Its BMC's address stays: the BMC keeps answering there (machine-ipmi-setup
    set it on the hardware), so power control outlives the cluster."""
    session.execute(
        delete(IpAddress).where(IpAddress.machine_id == machine.id, IpAddress.purpose != "bmc")
    )
    drop_root_key_pair(session, machine)
    cluster = machine.cluster
    leaves_sql = machine.role is not None and machine.role.name == SQL_ROLE
    if machine.is_first_master:
        # The controller with the lowest number: controller-2 before controller-10.
        successor = session.scalar(
            select(Machine)
            .join(Machine.role)
            .where(
                Machine.cluster_id == machine.cluster_id,
                Machine.id != machine.id,
                Role.name == FIRST_MASTER_ROLE,
            )
            .order_by(*by_host_number())
            .limit(1)
            .with_for_update()
        )
        if successor is not None:
            successor.is_first_master = True
    machine.is_first_master = False
    machine.cluster_id = None
    machine.role_id = None
    machine.location_id = None
    machine.hostname = None
    session.flush()
    if leaves_sql and cluster is not None:
        release_sql_vip(session, cluster)


def remove_machine(session: Session, serial: str) -> None:
    machine = machine_by_serial(session, serial, lock=True)
    if machine.cluster_id is None:
        raise Conflict(f"machine {serial!r} is in no cluster")
    hooks.queue(session, "removed", machine, destroyed=False)  # as it was in its cluster
    _release(session, machine)


def destroy_machine(session: Session, serial: str) -> None:
    """Forget the machine: it comes back as a new machine when it reports again."""
    machine = machine_by_serial(session, serial, lock=True)
    hooks.queue(session, "removed", machine, destroyed=True)
    if machine.cluster_id is not None:
        _release(session, machine)
    session.execute(delete(IpAddress).where(IpAddress.machine_id == machine.id))
    session.delete(machine)
    session.flush()


def effective_settings(machine: Machine) -> MachineSettings:
    return MachineSettings.model_validate(machine.settings or {})


def set_machine(session: Session, serial: str, changes: dict[str, Any]) -> Machine:
    """Apply machine-set ``changes`` (option -> value; None resets it to its default)."""
    machine = machine_by_serial(session, serial, lock=True)
    return set_options(session, machine, changes)


def set_options(session: Session, machine: Machine, changes: dict[str, Any]) -> Machine:
    """machine-set on ``machine``, whose row the caller has locked."""
    serial = machine.serial or str(machine.id)
    stored = dict(machine.settings or {})
    for name, value in changes.items():
        if name in NONE_IS_UNSET and value == "none":
            value = None  # OCI's machine-set --dest-blk none: no disk named
        if name in PLACE_FIELDS:
            setattr(machine, name, value)
        elif value is None:
            stored.pop(name, None)
        else:
            stored[name] = value
    try:
        MachineSettings.model_validate(stored)
    except ValueError as exc:
        raise Invalid(
            f"machine-set {serial}: {_first_error(exc)}", {"fields": {"settings": str(exc)}}
        ) from exc
    if "dest_blk" in changes and stored.get("dest_blk"):
        _check_dest_blk(machine, serial, stored["dest_blk"])
    machine.settings = stored
    session.flush()
    return machine


def _check_dest_blk(machine: Machine, serial: str, name: str) -> None:
    """dest_blk names one of the disks discovery found on the machine (not a USB one)."""
    disks = {d.name: d for d in machine.disks}
    known = ", ".join(sorted(disks)) or "none reported yet"
    disk = disks.get(name)
    if disk is None:
        raise Invalid(
            f"machine-set {serial}: dest_blk {name!r} is not a disk of this machine "
            f"(its disks: {known})",
            {"fields": {"dest_blk": "not a disk of this machine"}},
        )
    if disk.transport == "usb":
        raise Invalid(
            f"machine-set {serial}: dest_blk {name!r} is a USB disk; the OS is not "
            "installed on one",
            {"fields": {"dest_blk": "a USB disk"}},
        )


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return str(first["msg"]).removeprefix("Value error, ")
    return str(exc)
