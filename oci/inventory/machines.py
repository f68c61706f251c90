# Writes: machine rows, reports and events (hardware rows: oci.inventory.hardware).
"""Discovery reports into machine rows (component rows: `oci.inventory.hardware`).

A report is matched to a machine by identity (`oci.ingest.identity`): serial,
then system UUID, then the physical NICs' MACs. A report that points at two
different machines at once is an identity conflict: both are flagged and an
event says why, nothing is merged. Concurrent reports of one new machine race
on the unique serial / UUID / MAC columns; the loser retries its whole
transaction (oci.transactions) and then finds the winner's row, so one server
is one machine on every backend without any process-local lock.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, case, delete, func, insert, select, union
from sqlalchemy.orm import Session, sessionmaker

from oci import transactions
from oci.errors import Conflict, Forbidden, Invalid, NotFound
from oci.ingest.changes import Change, hardware_changes, host_key_changes
from oci.ingest.facts import Facts
from oci.ingest.identity import Identity, identity_of
from oci.ingest.oci_json import parse_oci_report
from oci.inventory.hardware import Current, apply_facts, arrived, host_key_items
from oci.models import (
    DiscoveryReport,
    Disk,
    Machine,
    MachineEvent,
    Nic,
    PciDevice,
    RaidDrive,
    SshHostKey,
)
from oci.models.types import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = [
    "IdentityConflict",
    "Outcome",
    "Upload",
    "apply_report",
    "locked_machine_by_key",
    "machine_by_key",
    "reparse",
]

REPORTS_KEPT = 10
# An unchanged re-report still stores its raw upload this often, so the kept
# reports show the machine is alive without storing every 30-second report.
STORE_UNCHANGED_EVERY = timedelta(hours=1)


class IdentityConflict(Conflict):
    def __init__(self, message: str, machine_ids: Iterable[int]) -> None:
        super().__init__(message, {"machines": sorted(set(machine_ids))})
        self.machine_ids = sorted(set(machine_ids))


@dataclass(frozen=True)
class Upload:
    """One report as received: the raw bytes, their files, and their parsed facts."""

    archive: bytes
    files: Mapping[str, str]
    facts: Facts
    source: str | None = None  # the sender's address
    sender: str | None = None  # the user whose credentials came with it
    # From a trusted network or an admin: may change a known machine's SSH
    # host keys, which machine-install-os pins. Any user may send a report.
    vouched: bool = False
    format: str = "tar"  # what `archive` is: oci.models.discovery.REPORT_FORMATS


@dataclass(frozen=True)
class Outcome:
    machine_id: int
    serial: str | None
    created: bool
    changes: tuple[Change, ...]
    stored: bool  # was the raw report kept


def machine_by_key(session: Session, key: str, *options: Any) -> Machine:
    """A machine by serial, host name or system UUID, in that order; then by
    its number, for machines whose firmware gives no usable serial."""
    stmt = select(Machine).options(*options)
    for column in (Machine.serial, Machine.hostname, Machine.system_uuid):
        machine = session.scalar(stmt.where(column == key))
        if machine is not None:
            return machine
    # ASCII only: isdigit() also takes "²", which int() refuses, and other
    # scripts' digits, which int() reads as ASCII ones (Arabic-Indic one is 1).
    if key.isascii() and key.isdigit() and len(key) < 10:
        machine = session.scalar(stmt.where(Machine.id == int(key)))
        if machine is not None:
            return machine
    raise NotFound(f"no machine with serial, host name, UUID or id {key!r}")


def locked_machine_by_key(session: Session, key: str) -> Machine:
    """``machine_by_key``, its row locked (FOR UPDATE) until the transaction ends.

    The lock may wait for a transaction that changes the machine: its row is read
    again once locked (populate_existing), not kept as the lookup saw it; or for one
    that deletes it (machine-destroy, machine-replace): then it is a 404."""
    found = machine_by_key(session, key)
    machine = session.scalar(
        select(Machine)
        .where(Machine.id == found.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if machine is None:
        raise NotFound(f"machine {key!r} was deleted meanwhile")
    return machine


# --- identity ---------------------------------------------------------------


def _who(machine: Machine) -> str:
    return f"machine {machine.id} (serial {machine.serial or 'unknown'})"


_TESTS = {
    "serial": Machine.serial == bindparam("serial"),
    "uuid": Machine.system_uuid == bindparam("uuid"),
    "mac": Machine.id.in_(
        select(Nic.machine_id).where(Nic.identity_mac.in_(bindparam("macs", expanding=True)))
    ),
}


@functools.cache
def _find_statement(names: tuple[str, ...], lock: bool) -> Select[Any]:
    """Machines matching any of the tests ``names``, with a 0/1 column per test.
    Built once per shape: building it costs more than running it."""
    # Each test as an indexed lookup of ids, joined: an OR of them, or IN (UNION),
    # makes PostgreSQL or MariaDB scan the whole table.
    lookups = {
        "serial": select(Machine.id.label("id")).where(_TESTS["serial"]),
        "uuid": select(Machine.id.label("id")).where(_TESTS["uuid"]),
        "mac": select(Nic.machine_id.label("id")).where(
            Nic.identity_mac.in_(bindparam("macs", expanding=True))
        ),
    }
    hits = union(*(lookups[name] for name in names)).subquery()
    flags = [case((_TESTS[name], 1), else_=0) for name in names]
    stmt = select(Machine, *flags).join(hits, hits.c.id == Machine.id)
    return stmt.with_for_update(of=Machine) if lock else stmt


def _find(session: Session, ident: Identity, *, lock: bool = False) -> Machine | None:
    """The machine this identity names; IdentityConflict when it names several.

    One query for serial, UUID and MACs; the database says which one each row
    matched (its collation decides equality, as the unique constraints do).
    With ``lock``, the rows found are locked and read as they are once locked.
    """
    values = {"serial": ident.serial, "uuid": ident.system_uuid, "macs": sorted(ident.macs)}
    names = tuple(name for name, value in zip(_TESTS, values.values(), strict=True) if value)
    if not names:
        return None
    found = session.execute(_find_statement(names, lock), values).all()
    by: dict[str, list[Machine]] = {name: [] for name in _TESTS}
    for row in sorted(found, key=lambda row: int(row[0].id)):
        machine: Machine = row[0]
        for name, hit in zip(names, row[1:], strict=True):
            if hit:
                by[name].append(machine)
    by_serial = next(iter(by["serial"]), None)
    by_uuid = next(iter(by["uuid"]), None)
    by_mac = by["mac"]
    if by_serial and by_uuid and by_serial is not by_uuid:
        raise IdentityConflict(
            f"serial {ident.serial} is {_who(by_serial)} but UUID {ident.system_uuid} is "
            f"{_who(by_uuid)}",
            [by_serial.id, by_uuid.id],
        )
    target = by_serial or by_uuid
    others = [m for m in by_mac if m is not target]
    if target is None and len(others) == 1:
        target, others = others[0], []
    if others:
        owners = ", ".join(_who(m) for m in others)
        ids = [m.id for m in others] + ([target.id] if target else [])
        claimed = f"{_who(target)} by its serial/UUID" if target else "no machine by serial/UUID"
        raise IdentityConflict(
            f"the report's NIC MACs belong to {owners}, while it is {claimed}", ids
        )
    if target is not None:
        for field, reported in (("serial", ident.serial), ("system_uuid", ident.system_uuid)):
            known = getattr(target, field)
            if known and reported and known != reported:
                raise IdentityConflict(
                    f"the report ({ident.describe()}) matches {_who(target)}, whose "
                    f"{field.replace('_', ' ')} is {known}, not {reported}",
                    [target.id],
                )
    return target


def flag_conflict(
    factory: sessionmaker[Session], conflict: IdentityConflict, source: str | None
) -> None:
    """Mark every machine in the conflict, in a transaction of its own."""

    def work(session: Session) -> None:
        for machine in session.scalars(select(Machine).where(Machine.id.in_(conflict.machine_ids))):
            if machine.identity_conflict != conflict.message[:1024]:
                machine.identity_conflict = conflict.message[:1024]
                session.add(
                    MachineEvent(
                        machine=machine,
                        kind="identity-conflict",
                        message=conflict.message,
                        details={"source": source, "machines": conflict.machine_ids},
                    )
                )

    transactions.run(factory, work)


# --- facts into rows (oci.inventory.hardware) and what changed --------------


def facts_digest(facts: Facts) -> str:
    """A fingerprint of what the report says: the hardware, and which tools
    failed, to spot a re-report that changes nothing. (The dataclasses' repr
    is stable and much faster than JSON of dataclasses.asdict.)"""
    said = dataclasses.replace(
        facts,
        # The clock moves with frequency scaling: a re-report differing only
        # there changes nothing (it is written when the report is stored).
        cpu=dataclasses.replace(facts.cpu, mhz=None),
        commands=(),
        problems=tuple(report_problems(facts)),
        unreadable=frozenset(),
    )
    return hashlib.sha256(repr(said).encode()).hexdigest()


def _old_view(machine: Machine, current: Current) -> SimpleNamespace:
    return SimpleNamespace(
        disks=current.rows(Disk),
        nics=[nic for nic in current.rows(Nic) if nic.physical],
        pci_devices=current.rows(PciDevice),
        memory_bytes=machine.memory_bytes,
        cpu_model=machine.cpu_model,
        raid_drives=current.rows(RaidDrive),
    )


def _new_view(upload: Upload, old: SimpleNamespace) -> SimpleNamespace:
    """The machine as it will be after this report: what did not arrive stays."""
    facts = upload.facts

    def new(component: str) -> bool:
        return arrived(upload.files, facts, component)

    return SimpleNamespace(
        disks=facts.disks if new("disks") else old.disks,
        nics=[n for n in facts.nics if n.physical] if new("nics") else old.nics,
        pci_devices=facts.pci_devices if new("pci_devices") else old.pci_devices,
        memory_bytes=facts.memory_bytes if new("memory") else old.memory_bytes,
        cpu_model=facts.cpu.model if new("cpu") else old.cpu_model,
        raid_drives=facts.raid_drives if new("raid_drives") else old.raid_drives,
    )


def _changes(machine: Machine, upload: Upload, current: Current) -> list[Change]:
    old = _old_view(machine, current)
    return hardware_changes(old, _new_view(upload, old)) + _key_changes(upload, current)


def _key_changes(upload: Upload, current: Current) -> list[Change]:
    if not arrived(upload.files, upload.facts, "ssh_host_keys"):
        return []
    old = {key.key_type: key.public_key for key in current.rows(SshHostKey)}
    new = {item["key_type"]: item["public_key"] for item in host_key_items(upload.facts)}
    return host_key_changes(old, new)


def _who_sent(upload: Upload) -> str:
    user = f"user {upload.sender!r}" if upload.sender else "no credentials"
    return f"{user}, from {upload.source or 'an unknown address'}"


def _refuse_key_change(machine: Machine, upload: Upload, changes: list[Change]) -> None:
    """Forbidden when a report no trusted party vouches for would re-pin SSH keys."""
    if upload.vouched or not any(c.kind == "host-keys-changed" for c in changes):
        return
    raise Forbidden(
        f"the report would change the SSH host keys of {_who(machine)} ({_who_sent(upload)}); "
        "only a report from a trusted network or an admin's may change them"
    )


def report_problems(facts: Facts) -> list[str]:
    """Parser problems and tools that failed, one sentence each."""
    problems = list(facts.problems)
    for command in facts.commands:
        if command.exit_code == 127:
            problems.append(f"{command.name}: the tool is not installed")
        elif command.exit_code != 0:
            detail = f": {command.error}" if command.error else ""
            problems.append(f"{command.name}: the tool failed (exit {command.exit_code}){detail}")
    return problems


def _store(session: Session, machine: Machine, upload: Upload, keep: int | None) -> None:
    """Keep the raw upload and, unless ``keep`` is None (a new machine has no
    other report), drop all but the ``keep`` newest of the machine's."""
    report = {
        "machine_id": machine.id,
        "source": upload.source,
        "sender": upload.sender,
        "size_bytes": len(upload.archive),
        "sha256": hashlib.sha256(upload.archive).hexdigest(),
        "archive": upload.archive,
        "format": upload.format,
        "problems": report_problems(upload.facts),
    }
    # An INSERT, not an ORM object: no flush of its own, and nothing here reads it back.
    session.execute(insert(DiscoveryReport), [report])
    if keep is None:
        return
    old = select(DiscoveryReport.id).where(DiscoveryReport.machine_id == machine.id)
    old = old.order_by(DiscoveryReport.id.desc()).offset(keep)
    stale = list(session.scalars(old))
    if stale:
        session.execute(delete(DiscoveryReport).where(DiscoveryReport.id.in_(stale)))


def _record(
    session: Session,
    machine: Machine,
    changes: Iterable[Change],
    source: str | None,
    sender: str | None = None,
) -> None:
    details = {"source": source} | ({"sender": sender} if sender else {})
    rows = [
        {"machine_id": machine.id, "kind": c.kind, "message": c.message, "details": details}
        for c in changes
    ]
    if rows:  # one executemany: a report replacing 1024 disks makes 1024 events
        session.execute(insert(MachineEvent), rows)


def apply_report(
    factory: sessionmaker[Session], upload: Upload, *, keep: int = REPORTS_KEPT
) -> Outcome:
    """Record one report: find or create its machine, update it, keep the raw
    upload. IdentityConflict (409) after flagging the machines involved."""
    ident = identity_of(upload.facts)
    if ident.empty:
        raise Invalid(
            "the report identifies no machine: no serial number, system UUID or physical "
            "NIC MAC in it (dmidecode.txt and ip-link.json are needed)"
        )
    digest = facts_digest(upload.facts)

    def work(session: Session) -> Outcome:
        now = utcnow()
        # Reports of one machine take turns from here (a row lock on PostgreSQL
        # and MariaDB; SQLite has one writer anyway), and see what the previous
        # one wrote.
        machine = _find(session, ident, lock=True)
        if machine is None:
            machine = Machine(first_seen=now, discovery_count=0)
            session.add(machine)
            current = Current(session, machine)
            what = upload.facts.system.product_name or "unknown product"
            changes = [Change("discovered", f"discovered: {what}, {ident.describe()}")]
            created = True
        else:
            if machine.facts_digest == digest:
                last_stored = session.scalar(
                    select(func.max(DiscoveryReport.received_at)).where(
                        DiscoveryReport.machine_id == machine.id
                    )
                )
                if last_stored is not None and now - last_stored < STORE_UNCHANGED_EVERY:
                    # The common case: a live machine re-reporting every 30 s.
                    machine.last_seen = now
                    machine.discovery_count += 1
                    return Outcome(machine.id, machine.serial, False, (), stored=False)
            current = Current(session, machine)
            changes = _changes(machine, upload, current)
            _refuse_key_change(machine, upload, changes)
            created = False
        # Before apply_facts' flush: one INSERT or UPDATE of the machine row.
        machine.last_seen = now
        machine.discovery_count = (machine.discovery_count or 0) + 1
        machine.facts_digest = digest
        apply_facts(current, machine, upload.files, upload.facts, ident)
        _store(session, machine, upload, keep=None if created else keep)
        _record(session, machine, changes, upload.source, upload.sender)
        reported = tuple(c for c in changes if c.kind != "discovered")
        return Outcome(machine.id, machine.serial, created, reported, stored=True)

    try:
        return transactions.run(factory, work)
    except IdentityConflict as conflict:
        flag_conflict(factory, conflict, upload.source)
        raise


def reparse(
    factory: sessionmaker[Session],
    machine_id: int,
    parse: Callable[[bytes], tuple[Mapping[str, str], Facts]],
) -> tuple[Change, ...] | None:
    """Apply today's parsers to the machine's newest raw report; None without one."""

    def work(session: Session) -> tuple[Change, ...] | None:
        machine = session.get(Machine, machine_id)
        report = session.scalar(
            select(DiscoveryReport)
            .where(DiscoveryReport.machine_id == machine_id)
            .order_by(DiscoveryReport.id.desc())
            .limit(1)
        )
        if machine is None or report is None:
            return None
        files: Mapping[str, str]
        if report.format == "oci-json":
            # OCI's agent's JSON has one parser of its own, whatever `parse` reads.
            files, facts = parse_oci_report(report.archive)
        else:
            files, facts = parse(report.archive)
        upload = Upload(
            report.archive,
            files,
            facts,
            report.source,
            report.sender,
            vouched=True,
            format=report.format,
        )
        ident = identity_of(facts)
        found = _find(session, ident)
        if found is not None and found is not machine:
            raise IdentityConflict(
                f"reparsed, {_who(machine)}'s report now names {_who(found)}",
                [machine.id, found.id],
            )
        current = Current(session, machine)
        changes = _changes(machine, upload, current)
        apply_facts(current, machine, upload.files, facts, ident)
        machine.facts_digest = facts_digest(facts)
        report.problems = report_problems(facts)
        _record(session, machine, changes, "reparse")
        return tuple(changes)

    return transactions.run(factory, work)
