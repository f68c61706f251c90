# Writes: machine events (what ran on the controller and what it answered).
"""Hardware RAID in the live system over SSH: read the controller, reset it, build
the profile's volumes, check them (machine-megacli-apply, -reset-raid,
-check-megacli-applied).

The tool is the first of the machine's quirks entry's `raid_tools` found on the
live system's PATH. Each command is an argv list quoted with shlex.join for the
remote shell; its exit status and output are kept, and a failing one stops the
run (the rest is not attempted) and is reported with everything that ran before.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

import paramiko
from sqlalchemy.orm import Session

from oci import remote
from oci.bmc.quirks import Facts, Quirk, pick
from oci.config import Settings
from oci.errors import Conflict, Invalid, OciError
from oci.inventory import machines
from oci.inventory import status as machine_status
from oci.inventory.view import from_row
from oci.matching import match as matching
from oci.matching import store
from oci.models import Machine, MachineEvent
from oci.models.status import MachineStatus
from oci.models.types import utcnow
from oci.raid.plan import (
    Check,
    Inventory,
    Plan,
    RaidError,
    VolumeSpec,
    assign,
    check,
    specs_from_definition,
)
from oci.raid.tools import BINARIES, FAMILIES, Family

__all__ = ["Outcome", "RaidFailed", "apply", "check_applied", "reset"]

T = TypeVar("T")
Writer = Callable[[Callable[[Session], T]], T]
OUTPUT_KEPT = 4000  # characters of one command's output kept in the event
# How long a run that changes a controller may hold the machine at most: a reset
# and a build are a few commands per drive, each bounded by command_timeout.
MARK = timedelta(hours=1)
Status = Literal["applied", "already-applied", "planned", "reset", "checked"]


class RaidFailed(OciError):
    """A RAID tool failed in the live system; the details list what ran."""

    status = 502
    code = "raid_failed"


@dataclass(frozen=True)
class Ran:
    command: str
    exit_status: int
    output: str


@dataclass(frozen=True)
class Prepared:
    machine_id: int
    serial: str
    target: remote.Target
    quirk: Quirk
    profile: str | None
    specs: tuple[VolumeSpec, ...]
    until: datetime | None = None  # this run's mark on the machine, if it changes things


@dataclass
class Outcome:
    serial: str
    profile: str | None
    tool: str
    controller: str
    status: Status
    applied: bool | None = None
    reasons: list[str] = field(default_factory=list)
    ran: list[Ran] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _profile_specs(
    session: Session, machine: Machine, name: str | None, settings: Settings
) -> tuple[str, tuple[VolumeSpec, ...]]:
    """The profile named, else the one applied to the machine, else the matcher's
    winner for it (OCI guesses the same way); its hardware RAID volumes."""
    serial = machine.serial or str(machine.id)
    catalogue = store.load(session, settings)
    wanted = name or machine.hardware_profile
    if wanted is None:
        outcome = matching.match(from_row(machine), catalogue.compiled)
        if outcome.winner is None:
            tied = f": {', '.join(outcome.ambiguous)} tie" if outcome.ambiguous else ""
            raise Conflict(
                f"machine {serial} has no hardware profile applied and matches "
                f"{'no single one' if tied else 'none'}{tied}: name one "
                "(ocicli machine-megacli-apply SERIAL PROFILE; see machine-guessed-profile)"
            )
        wanted = outcome.winner
    stored = catalogue.profile(wanted)  # a 404 naming it
    definition = stored.profile.model_dump(mode="json", exclude_none=True)
    try:
        specs = tuple(specs_from_definition(definition, wanted))
    except RaidError as exc:
        raise Invalid(str(exc), {"fields": {"profile": str(exc)}}) from None
    return wanted, specs


def prepare(
    session: Session,
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    profile: str | None,
    needs_profile: bool,
    ssh_port: int,
    settings: Settings,
    mark: bool = False,
) -> Prepared:
    """Check the machine and its profile; with `mark`, hold the machine's mark
    of a vendor-tool run (`bmc_setup_until`, shared with the BMC runs of
    oci.bmc): two runs that change one machine's controller or BMC never overlap."""
    # Locked with `mark`: a 404 if deleted meanwhile.
    machine = (machines.locked_machine_by_key if mark else machines.machine_by_key)(session, key)
    serial = machine.serial or str(machine.id)
    if mark:
        running = machine.bmc_setup_until
        if running is not None and running > utcnow():
            raise Conflict(
                f"a RAID or BMC run on machine {serial} is already going on (it ends by "
                f"{running:%H:%M:%S} UTC at the latest): wait for it"
            )
    name, specs = (
        _profile_specs(session, machine, profile, settings) if needs_profile else (None, ())
    )
    if needs_profile and not specs:
        raise Conflict(
            f"hardware profile {name!r} asks for no hardware RAID (OCI: hdd.controller "
            "megacli with a layout; oci: apply.raid of type hardware): nothing to build"
        )
    if machine.status != MachineStatus.LIVE:
        raise Conflict(
            f"machine {serial} is {machine.status}, not in its live system: "
            "the RAID tools run there (ocicli machine-ipmi-reboot-on-live)"
        )
    target = machine_status.live_target(session, machine, ssh_port)
    b = machine.bmc
    quirk = pick(
        quirks, Facts(machine.manufacturer, machine.product_name, b.manufacturer if b else None)
    )
    until = None
    if mark:
        # Whole seconds: the same value reads back from every database.
        until = (utcnow() + MARK).replace(microsecond=0)
        machine.bmc_setup_until = until
        session.flush()
    return Prepared(machine.id, serial, target, quirk, name, specs, until)


def _unmark(session: Session, prepared: Prepared) -> None:
    machine = session.get(Machine, prepared.machine_id, with_for_update=True)
    if machine is not None and machine.bmc_setup_until == prepared.until:
        machine.bmc_setup_until = None


def _run(ssh: paramiko.SSHClient, argv: Sequence[str], timeout: float) -> Ran:
    command = shlex.join(argv)
    try:
        result = remote.run(ssh, command, timeout=timeout)
    except TimeoutError:
        return Ran(command, 124, f"did not finish within {timeout:g} s")
    output = (result.stdout + result.stderr).strip()
    return Ran(command, result.exit_status, output)


def _failed(prepared: Prepared, what: str, ran: list[Ran], why: str) -> RaidFailed:
    return RaidFailed(
        f"RAID {what} of machine {prepared.serial} failed: {why}",
        {"ran": [asdict(r) | {"output": r.output[-OUTPUT_KEPT:]} for r in ran]},
    )


def _find_tool(ssh: paramiko.SSHClient, prepared: Prepared, ran: list[Ran]) -> tuple[Family, str]:
    tried = []
    for name in prepared.quirk.raid_tools:
        for binary in BINARIES[name]:
            tried.append(binary)
            # `command -v`: the remote shell's own lookup in PATH.
            found = _run(ssh, ("command", "-v", binary), 30)
            if found.exit_status == 0 and found.output:
                return FAMILIES[name], binary
    raise Conflict(
        f"no RAID tool in the live system of machine {prepared.serial}: looked for "
        f"{', '.join(tried)} (BMC quirks entry {prepared.quirk.name!r}, raid_tools); put the "
        "vendor's tool in the live image"
    )


def _read(
    ssh: paramiko.SSHClient, prepared: Prepared, tool: Family, binary: str, ran: list[Ran]
) -> Inventory:
    outputs = []
    for argv in tool.read(binary):
        result = _run(ssh, argv, prepared.quirk.command_timeout)
        ran.append(result)
        if result.exit_status != 0:
            raise _failed(prepared, "read", ran, f"{result.command}: exit {result.exit_status}")
        outputs.append(result.output)
    try:
        return tool.parse(outputs)
    except RaidError as exc:
        raise _failed(prepared, "read", ran, str(exc)) from None


def _run_all(
    ssh: paramiko.SSHClient, prepared: Prepared, what: str, todo: list[tuple[str, ...]],
    ran: list[Ran],
) -> None:  # fmt: skip
    for argv in todo:
        result = _run(ssh, argv, prepared.quirk.command_timeout)
        ran.append(result)
        if result.exit_status != 0:
            last = result.output.splitlines()[-1:] or ["no message"]
            raise _failed(
                prepared,
                what,
                ran,
                f"{result.command}: exit {result.exit_status}: {last[0][:300]}; "
                "the commands after it were not run",
            )


def _event(write: Writer[Any], prepared: Prepared, kind: str, message: str, outcome: Any) -> None:
    def add(session: Session) -> None:
        machine = session.get(Machine, prepared.machine_id)
        if machine is None:
            return
        details = outcome if isinstance(outcome, dict) else asdict(outcome)
        for item in details.get("ran", []):
            item["output"] = item["output"][-OUTPUT_KEPT:]
        session.add(MachineEvent(machine=machine, kind=kind, message=message, details=details))

    write(add)


def _session(
    write: Writer[Any],
    prepared: Prepared,
    key: paramiko.PKey,
    kind: str,
    work: Callable[[paramiko.SSHClient, list[Ran]], Outcome],
) -> Outcome:
    ran: list[Ran] = []
    try:
        with remote.session(prepared.target, key) as ssh:
            outcome = work(ssh, ran)
    except RaidFailed as exc:
        _event(write, prepared, kind, exc.message, exc.details)
        raise
    finally:
        if prepared.until is not None:
            write(lambda s: _unmark(s, prepared))
    outcome.ran = ran
    return outcome


def apply(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    profile: str | None,
    dry_run: bool,
    force: bool,
    ssh_port: int,
    ssh_key: paramiko.PKey,
    settings: Settings,
) -> Outcome:
    """Build the profile's volumes: nothing if they are there already (unless
    `force`), only the commands if `dry_run` (OCI's -d)."""
    prepared: Prepared = write(
        lambda s: prepare(
            s,
            key,
            quirks,
            profile=profile,
            needs_profile=True,
            ssh_port=ssh_port,
            settings=settings,
            mark=not dry_run,
        )
    )

    def work(ssh: paramiko.SSHClient, ran: list[Ran]) -> Outcome:
        tool, binary = _find_tool(ssh, prepared, ran)
        inventory = _read(ssh, prepared, tool, binary, ran)
        outcome = Outcome(
            prepared.serial, prepared.profile, binary, inventory.controller, "planned"
        )
        before = check(prepared.specs, inventory)
        if before.applied and not force:
            outcome.status, outcome.applied = "already-applied", True
            return outcome
        # The plan counts every drive as free: the reset before it frees them.
        try:
            plan: Plan = assign(prepared.specs, inventory.drives)
            todo = tool.reset(binary, inventory) + tool.build(binary, inventory, plan)
        except RaidError as exc:
            raise Conflict(f"machine {prepared.serial}: {exc}") from None
        outcome.planned = [shlex.join(argv) for argv in todo]
        outcome.notes = [f"{n}: not set by {binary}" for n in tool.ignored_cache(plan.volumes)]
        if dry_run:
            return outcome
        _run_all(ssh, prepared, "apply", todo, ran)
        after: Check = check(prepared.specs, _read(ssh, prepared, tool, binary, ran))
        outcome.status, outcome.applied, outcome.reasons = (
            "applied",
            after.applied,
            list(after.reasons),
        )
        return outcome

    outcome = _session(write, prepared, ssh_key, "raid-applied", work)
    if outcome.status == "applied":
        verdict = "as the profile says" if outcome.applied else "NOT as the profile says"
        message = (
            f"RAID built with {outcome.tool} from profile {outcome.profile!r} "
            f"({len(outcome.planned)} commands): the controller now reads {verdict}"
        )
        _event(write, prepared, "raid-applied", message, outcome)
        if not outcome.applied:
            raise RaidFailed(
                f"the RAID commands of machine {prepared.serial} ran, but the controller does "
                f"not read back as profile {outcome.profile!r} says: {'; '.join(outcome.reasons)}",
                {"ran": [asdict(r) for r in outcome.ran]},
            )
    return outcome


def reset(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    ssh_port: int,
    ssh_key: paramiko.PKey,
    settings: Settings,
) -> Outcome:
    """Clear the controller: foreign configurations, every volume, drives back to good."""
    prepared: Prepared = write(
        lambda s: prepare(
            s,
            key,
            quirks,
            profile=None,
            needs_profile=False,
            ssh_port=ssh_port,
            settings=settings,
            mark=True,
        )
    )

    def work(ssh: paramiko.SSHClient, ran: list[Ran]) -> Outcome:
        tool, binary = _find_tool(ssh, prepared, ran)
        inventory = _read(ssh, prepared, tool, binary, ran)
        todo = tool.reset(binary, inventory)
        outcome = Outcome(prepared.serial, None, binary, inventory.controller, "reset")
        outcome.planned = [shlex.join(argv) for argv in todo]
        _run_all(ssh, prepared, "reset", todo, ran)
        return outcome

    outcome = _session(write, prepared, ssh_key, "raid-reset", work)
    message = f"RAID configuration cleared with {outcome.tool} ({len(outcome.planned)} commands)"
    _event(write, prepared, "raid-reset", message, outcome)
    return outcome


def check_applied(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    profile: str | None,
    ssh_port: int,
    ssh_key: paramiko.PKey,
    settings: Settings,
) -> Outcome:
    """Read the controller back and compare it with the profile (changes nothing)."""
    prepared: Prepared = write(
        lambda s: prepare(
            s,
            key,
            quirks,
            profile=profile,
            needs_profile=True,
            ssh_port=ssh_port,
            settings=settings,
        )
    )

    def work(ssh: paramiko.SSHClient, ran: list[Ran]) -> Outcome:
        tool, binary = _find_tool(ssh, prepared, ran)
        inventory = _read(ssh, prepared, tool, binary, ran)
        seen = check(prepared.specs, inventory)
        return Outcome(
            prepared.serial,
            prepared.profile,
            binary,
            inventory.controller,
            "checked",
            applied=seen.applied,
            reasons=list(seen.reasons),
        )

    return _session(write, prepared, ssh_key, "raid-check", work)
