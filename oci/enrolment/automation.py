# Writes: profiles and racking onto machines; enrolment through machines.enrol.
"""Writes of profiles and racking to machines, and hands-free enrolment.

`enrol_if_ready` is the staged policy OCI runs on its discovery counter:
after ``auto_apply_after`` reports the winning profile's settings and the
LLDP place are applied; after ``auto_add_after`` the machine is added to the
profile's cluster with its role, through `oci.enrolment.machines.enrol` (machine-add's
own code). Each step is idempotent and leaves an event. Adding locks the
cluster's row first and counts inside that transaction, so concurrent
reports never exceed a profile's maximum counts, on any backend.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from oci import transactions
from oci.config import Settings
from oci.enrolment import machines as enrolment
from oci.errors import Conflict, OciError
from oci.inventory.view import DiskView, MachineView, from_row
from oci.matching import match as matching
from oci.matching import racking, store
from oci.matching.profiles import Profile, RaidDisks
from oci.matching.units import parse_size_range
from oci.models import Cluster, Location, Machine, MachineEvent
from oci.security.pki import Pki
from oci.security.vault import Vault

__all__ = [
    "COMPONENTS",
    "apply_place",
    "apply_profile",
    "enrol_if_ready",
    "machine_with_components",
    "profile_settings",
]

log = logging.getLogger(__name__)

COMPONENTS = (
    selectinload(Machine.disks),
    selectinload(Machine.nics),
    selectinload(Machine.pci_devices),
    selectinload(Machine.lldp_neighbours),
    selectinload(Machine.bmc),
)


def machine_with_components(session: Session, machine_id: int, *, lock: bool = False) -> Machine:
    stmt = select(Machine).where(Machine.id == machine_id).options(*COMPONENTS)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).one()


# --- what a profile sets (pure) --------------------------------------------


def _raid_members(disks: Sequence[DiskView], wanted: RaidDisks) -> list[str]:
    sizes = parse_size_range(wanted.size) if wanted.size else None
    fitting = [
        d.name
        for d in sorted(disks, key=lambda d: d.name)
        if d.kind == wanted.kind and (sizes is None or d.size_bytes in sizes)
    ]
    return fitting[: wanted.count]


def profile_settings(profile: Profile, view: MachineView) -> tuple[dict[str, Any], list[str]]:
    """(machine-set changes, notes on what could not be set) for ``profile`` on ``view``."""
    todo = profile.apply
    # apply.options (OCI's machine-set lines) first; the typed fields below say more.
    changes: dict[str, Any] = dict(todo.options or {})
    notes: list[str] = []
    if todo.raid is not None:
        raid = todo.raid
        members = _raid_members(view.disks, raid.disks)
        what = f"RAID {raid.level} over {raid.disks.count} {raid.disks.kind}"
        if len(members) < raid.disks.count:
            notes.append(f"{what}: only {len(members)} such disk(s) found, RAID not set")
        elif raid.type == "hardware":
            notes.append(
                f"hardware {what} ({', '.join(members)}): configure the controller by hand"
            )
        else:
            changes |= {
                "install_on_raid": True,
                "raid_type": str(raid.level),
                "raid_devices": members,
            }
    for name in ("serial_console", "use_ceph_if_available", "cpu_model"):
        value = getattr(todo, name)
        if value is not None:
            changes[name] = value
    if todo.gpus is not None:
        changes["gpus"] = [gpu.model_dump(mode="json") for gpu in todo.gpus]
    return changes, notes


# --- writes -----------------------------------------------------------------


def event(session: Session, machine: Machine, kind: str, message: str, **details: Any) -> None:
    session.add(MachineEvent(machine=machine, kind=kind, message=message, details=details))


def note_once(session: Session, machine: Machine, kind: str, message: str) -> bool:
    """An event, unless the machine's newest event of ``kind`` says the same:
    a machine reporting every 30 s must not repeat why it waits."""
    newest = session.scalar(
        select(MachineEvent.message)
        .where(MachineEvent.machine_id == machine.id, MachineEvent.kind == kind)
        .order_by(MachineEvent.id.desc())
        .limit(1)
    )
    if newest == message:
        return False
    event(session, machine, kind, message)
    return True


def apply_profile(
    session: Session, machine: Machine, profile: Profile, view: MachineView
) -> list[str]:
    """Set the profile's options on ``machine`` (locked); the messages of what was done."""
    changes, notes = profile_settings(profile, view)
    if changes:
        enrolment.set_options(session, machine, changes)
    machine.hardware_profile = profile.name
    set_text = ", ".join(f"{k}={v}" for k, v in changes.items() if k != "gpus")
    if "gpus" in changes:
        set_text += (", " if set_text else "") + f"{len(changes['gpus'])} GPU type(s)"
    message = f"profile {profile.name} applied (role {profile.role})" + (
        f": {set_text}" if set_text else ""
    )
    event(session, machine, "profile-applied", message, settings=changes, notes=notes)
    return [message, *notes]


def apply_place(session: Session, machine: Machine, place: racking.Place) -> str | None:
    """Put ``machine`` where LLDP says; None when it is already there."""
    values = {
        "datacenter": place.datacenter,
        "row": place.row,
        "rack": place.rack,
        "u_position": place.u_position,
        "compute_aggregate": place.aggregate,
    }
    if all(getattr(machine, k) == v for k, v in values.items()):
        return None
    for name, value in values.items():
        setattr(machine, name, value)
    u = f" U{place.u_position}" if place.u_position else ""
    message = f"racked at {place.datacenter}/{place.row}/{place.rack}{u}" + (
        f", aggregate {place.aggregate}" if place.aggregate else ""
    )
    event(session, machine, "racked", message, location=place.location)
    session.flush()
    return message


def _apply_stage(session: Session, machine: Machine, catalogue: store.Catalogue) -> list[str]:
    view = from_row(machine)
    outcome = matching.match(view, catalogue.compiled)
    if outcome.winner is None:
        if outcome.ambiguous:
            why = f"profiles {', '.join(outcome.ambiguous)} tie at the highest priority"
        else:
            why = "no hardware profile matches"
        note_once(session, machine, "auto-enrolment", f"not enrolled: {why}")
        return []
    done = apply_profile(session, machine, catalogue.profile(outcome.winner).profile, view)
    if machine.datacenter is None and machine.rack is None:
        guessed = racking.guess(view, catalogue.rules)
        if guessed.place is not None:
            placed = apply_place(session, machine, guessed.place)
            done += [placed] if placed else []
        else:
            note_once(session, machine, "auto-enrolment", "not racked: " + "; ".join(guessed.flags))
    return done


def _add_stage(
    session: Session, machine: Machine, catalogue: store.Catalogue, vault: Vault
) -> list[str]:
    """Add the machine to its profile's cluster; the cluster row is locked first."""
    name = machine.hardware_profile or ""
    try:
        profile = catalogue.profile(name).profile
    except OciError:
        note_once(session, machine, "auto-enrolment", f"not added: profile {name} is gone")
        return []
    if profile.cluster is None:
        return []
    cluster = session.scalar(
        select(Cluster).where(Cluster.name == profile.cluster).with_for_update()
    )
    if cluster is None:
        note_once(session, machine, "auto-enrolment", f"not added: no cluster {profile.cluster!r}")
        return []
    # Locked after the cluster: every auto-add to this cluster queues on its row.
    machine = machine_with_components(session, machine.id, lock=True)
    if machine.cluster_id is not None:
        return []
    guessed = racking.guess(from_row(machine), catalogue.rules)
    location = (guessed.place.location if guessed.place else None) or profile.location
    if location is None:
        why = "; ".join(guessed.flags) or "the switch rule gives no location"
        note_once(session, machine, "auto-enrolment", f"not added: no location ({why})")
        return []
    enrolled = (
        select(func.count())
        .select_from(Machine)
        .where(Machine.cluster_id == cluster.id, Machine.hardware_profile == profile.name)
    )
    limits = profile.max_count
    if limits and limits.cluster is not None and (session.scalar(enrolled) or 0) >= limits.cluster:
        note_once(
            session,
            machine,
            "auto-enrolment",
            f"not added: cluster {cluster.name} has its {limits.cluster} "
            f"machine(s) of profile {profile.name}",
        )
        return []
    if limits and limits.location is not None:
        in_location = enrolled.join(Location, Machine.location_id == Location.id).where(
            Location.name == location
        )
        if (session.scalar(in_location) or 0) >= limits.location:
            note_once(
                session,
                machine,
                "auto-enrolment",
                f"not added: location {location} has its {limits.location} "
                f"machine(s) of profile {profile.name} in cluster {cluster.name}",
            )
            return []
    enrolment.enrol(session, machine, cluster.name, profile.role, location, vault=vault)
    message = f"added to cluster {cluster.name} as {machine.hostname} in {location}"
    event(session, machine, "auto-added", message, profile=profile.name)
    return [message]


def _enrolled(machine: Machine) -> bool:
    return machine.cluster_id is not None


def add_now(
    session: Session, machine_id: int, catalogue: store.Catalogue, vault: Vault
) -> list[str]:
    """OCI's machine-auto-add: the profile, racking and add stages now, whatever the
    report counter says; what was done. Conflict, with the reason the stages noted,
    when the machine could not be added (the caller's rollback undoes the rest)."""
    machine = machine_with_components(session, machine_id, lock=True)
    name = machine.serial or str(machine.id)
    if machine.cluster_id is not None:
        raise Conflict(f"machine {name} is already {machine.hostname}")
    if machine.identity_conflict:
        raise Conflict(f"machine {name} has an identity conflict: see machine-show")
    done = _apply_stage(session, machine, catalogue) if machine.hardware_profile is None else []
    if machine.hardware_profile is not None:
        done += _add_stage(session, machine, catalogue, vault)
    session.flush()
    if not _enrolled(machine):  # a function: mypy keeps the narrowing of the check above
        why = session.scalar(
            select(MachineEvent.message)
            .where(MachineEvent.machine_id == machine.id, MachineEvent.kind == "auto-enrolment")
            .order_by(MachineEvent.id.desc())
            .limit(1)
        )
        if why is not None:  # the stages' note, without its own "not ...:" lead
            why = why.removeprefix("not enrolled: ").removeprefix("not added: ")
        elif machine.hardware_profile is not None:
            why = f"profile {machine.hardware_profile} names no cluster"
        raise Conflict(f"machine {name} not added: {why or 'no hardware profile matches'}")
    return done


def enrol_if_ready(
    factory: sessionmaker[Session], machine_id: int, settings: Settings
) -> list[str]:
    """Run the hands-free enrolment policy for one machine; what it did, one line each.

    Call it after a discovery report is committed (the API does), or after
    anything that may make a machine ready. Off unless ``auto_apply_after``
    is set. Safe to call any number of times, from any number of processes.
    """
    if settings.auto_apply_after is None:
        return []

    def apply(session: Session) -> tuple[list[str], bool]:
        machine = machine_with_components(session, machine_id, lock=True)
        if machine.discovery_count < (settings.auto_apply_after or 0):
            return [], False
        if machine.identity_conflict:
            note_once(session, machine, "auto-enrolment", "not enrolled: identity conflict")
            return [], False
        catalogue = store.load(session, settings)
        done = []
        if machine.hardware_profile is None:
            done = _apply_stage(session, machine, catalogue)
        session.flush()
        ready = (
            settings.auto_add_after is not None
            and machine.discovery_count >= settings.auto_add_after
            and machine.hardware_profile is not None
            and machine.cluster_id is None
        )
        return done, ready

    try:
        done, ready = transactions.run(factory, apply)
    except OciError as exc:
        # The winner's options clash with what the machine holds (say dest_blk with a
        # profile's install_on_raid): say why once, on the machine, not in a traceback
        # at every report.
        why = f"profile not applied: {exc.message}"

        def refused(session: Session) -> None:
            machine = session.get(Machine, machine_id)
            if machine is not None:
                note_once(session, machine, "auto-enrolment", why)

        transactions.run(factory, refused)
        return [why]
    if not ready:
        return done

    # The server's key, as the API's machine-add uses: it encrypts the root key pair.
    vault = Vault.from_file(settings.effective_secret_key_file)

    def add(session: Session) -> list[str]:
        catalogue = store.load(session, settings)
        machine = session.get(Machine, machine_id)
        assert machine is not None
        return _add_stage(session, machine, catalogue, vault)

    try:
        added = transactions.run(factory, add)
    except OciError as exc:
        # machine-add refused (no such location, no room on a network): say why, once.
        why = f"not added: {exc.message}"

        def refused(session: Session) -> None:
            machine = session.get(Machine, machine_id)
            if machine is not None:
                note_once(session, machine, "auto-enrolment", why)

        transactions.run(factory, refused)
        return [*done, why]
    if added:
        # After the commit, as machine-add does: a retried transaction must not issue twice.
        added.append(issue_certificate(factory, machine_id, settings))
    return done + added


def issue_certificate(factory: sessionmaker[Session], machine_id: int, settings: Settings) -> str:
    """The node certificate of an enrolled machine (its host name and addresses)."""
    with factory() as session:
        machine = session.get(Machine, machine_id)
        assert machine is not None and machine.hostname is not None
        hostname = machine.hostname
        addresses = sorted(ip.address for ip in machine.ip_addresses if ip.purpose == "host")
    issued = Pki(settings.pki_dir).issue_node(hostname, addresses)
    return f"node certificate issued for {hostname} (until {issued.not_after:%Y-%m-%d})"
