# Writes: BMC rows, their addresses on the IPMI network, machine events.
"""machine-ipmi-setup: configure a machine's BMC from its live system, as OCI does.

1. `prepare` (one short transaction): check the machine (live, enrolled, host
   keys pinned), pick its vendor's quirks and the cluster's `ipmi` network in
   its location, and hold the BMC's address there (an IpAddress of purpose
   "bmc", so no other machine can be given it meanwhile). It also marks the
   machine as having a set-up running, until the latest time this run can
   end: a second run meanwhile is refused (two would create the same user
   with two passwords), and a server that died mid-run blocks nobody for long.
2. `configure` (no database): over SSH to the live system, with the host keys
   its report pinned, run ipmitool in-band: a user with a password generated
   here, then the static address. The password never is an argument on the
   live system (`ps` would show it): `ipmitool exec /dev/stdin` reads it from
   the SSH channel. Then log in over the network, at the new address with
   the new credentials (pyghmi, bounded by `bmc_timeout`).
3. Only then `save` the credentials (encrypted) and the address; a failure
   instead `release`s the address this run held: nothing is kept, and the
   error names the step that failed. Both end the run's mark.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import paramiko
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from oci import remote
from oci.bmc import credentials as bmc_credentials
from oci.bmc import ipmi as bmc
from oci.bmc.lan import effective_lan, machine_overrides
from oci.bmc.quirks import Facts, Lan, Quirk, Step, generate_password, pick, plan
from oci.enrolment.ipam import allocate
from oci.errors import Conflict, Invalid, OciError
from oci.inventory import machines
from oci.inventory import status as machine_status
from oci.models import IpAddress, Machine, MachineEvent, Network
from oci.models.status import MachineStatus
from oci.models.types import utcnow
from oci.security.vault import Vault

__all__ = [
    "Outcome",
    "Prepared",
    "SetupFailed",
    "StepResult",
    "run_steps",
    "set_up",
    "verify_login",
]

T = TypeVar("T")
Writer = Callable[[Callable[[Session], T]], T]
PURPOSE = "bmc"


class SetupFailed(OciError):
    """A step on the live system or the check over the network failed; nothing was saved."""

    status = 502
    code = "bmc_setup_failed"


@dataclass(frozen=True)
class StepResult:
    step: str
    command: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Prepared:
    machine_id: int
    serial: str
    target: remote.Target
    quirk: Quirk
    network: str
    network_id: int
    lan: Lan
    port: int
    address_id: int
    held_here: bool  # this run took the address: released if it fails
    until: datetime  # this run's mark on the machine (bmc_setup_until)


@dataclass(frozen=True)
class Outcome:
    prepared: Prepared
    steps: list[StepResult]


def _matches(network: Network, address: str | None) -> bool:
    """OCI's --ipmi-match-addr/--ipmi-match-cidr: `address` (where the machine's
    live system reported from, its DHCP address) lies in the network's match range."""
    if not address or not network.ipmi_match_address or not network.ipmi_match_prefix_length:
        return False
    try:
        match = ipaddress.ip_network(
            f"{network.ipmi_match_address}/{network.ipmi_match_prefix_length}", strict=False
        )
        return ipaddress.ip_address(address) in match
    except ValueError:
        return False


def _ipmi_network(
    session: Session, machine: Machine, name: str | None, source: str | None
) -> Network:
    """Where the BMC takes its address: `name` (an ipmi network of the machine's
    cluster, or one of no cluster), else the only ipmi network of its cluster in its
    location, else, as OCI's README sets it up, the ipmi network whose match range
    (network-set --ipmi-match-addr/--ipmi-match-cidr) holds the address the
    machine's live system reported from, attached to a cluster or not."""
    ipmi = select(Network).where(Network.role == "ipmi")
    cluster = machine.cluster.name if machine.cluster else None
    if name is not None:
        network = session.scalar(ipmi.where(Network.name == name).with_for_update())
        if network is None or network.cluster_id not in (None, machine.cluster_id):
            whose = f"cluster {cluster!r}" if cluster else "no cluster"
            raise Invalid(
                f"network {name!r} is not an ipmi network of {whose}",
                {"fields": {"network": "not a network of role ipmi of the machine's cluster"}},
            )
        return network
    networks: list[Network] = []
    if machine.cluster_id is not None:
        where = ipmi.where(
            Network.cluster_id == machine.cluster_id, Network.location_id == machine.location_id
        ).order_by(Network.name)
        networks = list(session.scalars(where.with_for_update()))
    if not networks:
        candidates = session.scalars(
            ipmi.where(Network.ipmi_match_address.is_not(None)).order_by(Network.name)
        )
        matched = [n.id for n in candidates if _matches(n, source)]
        if matched:
            where = ipmi.where(Network.id.in_(matched)).order_by(Network.name)
            networks = list(session.scalars(where.with_for_update()))
    if not networks:
        if cluster is None:
            raise Conflict(
                f"machine {machine.serial or machine.id} is in no cluster: machine-add it "
                "first (its BMC address comes from the cluster's ipmi network), or give an "
                "ipmi network a match range holding its live address "
                f"{source or '(none reported)'} (network-set --ipmi-match-addr/--ipmi-match-cidr)"
            )
        location = machine.location.name if machine.location else "?"
        raise Conflict(
            f"cluster {cluster!r} has no network of role ipmi in location {location!r}, and no "
            f"ipmi network's match range holds {source or 'its live address'}: network-add "
            "one with role ipmi first, or network-set --ipmi-match-addr/--ipmi-match-cidr"
        )
    if len(networks) > 1:
        names = ", ".join(n.name for n in networks)
        raise Invalid(
            f"several ipmi networks fit ({names}): choose one with --network",
            {"fields": {"network": f"one of: {names}"}},
        )
    return networks[0]


def _longest_run(quirk: Quirk, lan: Lan, target: remote.Target, bmc_timeout: float) -> timedelta:
    """How long `configure` may take at worst: SSH log-in, every ipmitool step,
    the settle time and the login over the network, with a margin."""
    steps = len(plan(quirk, "x" * quirk.password_length, lan))
    # paramiko may spend its timeout connecting, then on the banner, then on auth.
    worst = 3 * target.timeout + steps * quirk.command_timeout
    return timedelta(seconds=worst + quirk.settle_seconds + bmc_timeout + 30)


def refuse_if_running(
    machine: Machine, serial: str, then: str = "wait for it, then check machine-show"
) -> None:
    """A 409 while the machine's mark of a BMC or RAID run (`bmc_setup_until`) is in
    the future; `then` says what to do. Call it with the machine's row locked."""
    until = machine.bmc_setup_until
    if until is not None and until > utcnow():
        raise Conflict(
            f"a BMC, RAID or wipe run on machine {serial} is in progress (it ends by "
            f"{until:%H:%M:%S} UTC at the latest): {then}"
        )


def prepare(
    session: Session,
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    network_name: str | None,
    port: int | None,
    ssh_port: int,
    bmc_timeout: float,
) -> Prepared:
    # Locked: two requests at once see each other's mark (a 404 if it was deleted
    # while this waited for the lock).
    machine = machines.locked_machine_by_key(session, key)
    serial = machine.serial or str(machine.id)
    refuse_if_running(machine, serial)
    if machine.status != MachineStatus.LIVE:
        raise Conflict(
            f"machine {serial} is {machine.status}, not in its live system: "
            "reboot it on the live image first"
        )
    source = machine_status.newest_report_source(session, machine)
    network = _ipmi_network(session, machine, network_name, source)
    ip_network = network.ip_network
    if not isinstance(ip_network, ipaddress.IPv4Network):
        raise Invalid(
            f"network {network.name!r} is IPv6: IPMI's LAN settings take IPv4 only",
            {"fields": {"network": "an IPv4 network"}},
        )
    target = machine_status.live_target(session, machine, ssh_port)
    held = session.scalar(
        select(IpAddress).where(
            IpAddress.network_id == network.id, IpAddress.machine_id == machine.id
        )
    )
    if held is not None and held.purpose != PURPOSE:
        raise Conflict(
            f"machine {serial} holds {held.address} in network {network.name!r} as a "
            f"{held.purpose} address: that network cannot also give its BMC one"
        )
    held_here = held is None
    if held is None:
        allocate(session, network, PURPOSE, machine)
        session.flush()
        held = session.scalar(
            select(IpAddress).where(
                IpAddress.network_id == network.id, IpAddress.machine_id == machine.id
            )
        )
        assert held is not None
    b = machine.bmc
    facts = Facts(machine.manufacturer, machine.product_name, b.manufacturer if b else None)
    quirk = pick(quirks, facts)
    # The machine's own netmask, gateway and VLAN (machine-set --ipmi-*) win over
    # the network's.
    lan = effective_lan(held.address, ip_network, network.vlan, machine_overrides(machine.settings))
    # Whole seconds: the same value reads back from every database.
    until = (utcnow() + _longest_run(quirk, lan, target, bmc_timeout)).replace(microsecond=0)
    machine.bmc_setup_until = until
    session.flush()
    return Prepared(
        machine_id=machine.id,
        serial=serial,
        target=target,
        quirk=quirk,
        network=network.name,
        network_id=network.id,
        lan=lan,
        port=port or (b.ipmi_port if b and b.ipmi_port else bmc_credentials.IPMI_PORT),
        address_id=held.id,
        held_here=held_here,
        until=until,
    )


def _why(result: remote.CommandResult) -> str:
    """ipmitool's own words: its first paragraph, without the usage text that follows."""
    said: list[str] = []
    for line in (result.stderr.strip() or result.stdout).splitlines():
        if not line.strip() or line.lstrip().lower().startswith("usage:"):
            if said:
                break
            continue
        said.append(line.strip())
    return "; ".join(said)[:300] or "no message"


def _fail(steps: list[StepResult], step: str, command: str, message: str) -> SetupFailed:
    steps.append(StepResult(step, command, False, message))
    return SetupFailed(
        f"BMC set-up failed at step {step!r}: {message}; nothing was saved",
        {"step": step, "steps": [asdict(s) for s in steps]},
    )


def run_steps(
    ssh: paramiko.SSHClient, todo: list[Step], timeout: float, steps: list[StepResult]
) -> None:
    for step in todo:
        try:
            result = remote.run(ssh, step.command, stdin=step.stdin.encode(), timeout=timeout)
        except TimeoutError as exc:
            message = f"{step.display}: did not finish within {timeout:g} s"
            raise _fail(steps, step.name, step.display, message) from exc
        except paramiko.SSHException as exc:
            message = f"{step.display}: the SSH session broke off ({exc})"
            raise _fail(steps, step.name, step.display, message) from exc
        if result.exit_status != 0:
            message = f"{step.display}: exit status {result.exit_status}: {_why(result)}"
            raise _fail(steps, step.name, step.display, message)
        steps.append(StepResult(step.name, step.display, True))


def verify_login(access: bmc.BmcAccess, settle: float, steps: list[StepResult]) -> None:
    """Log in at the new address with the new credentials; a BMC whose network
    restarts gets `settle` seconds (on top of each login's own deadline)."""
    what = f"log in to {access.where} as {access.username}"
    deadline = time.monotonic() + settle
    while True:
        try:
            power = bmc.power_state(access)
        except bmc.BmcError as exc:
            if time.monotonic() + 1 < deadline:
                time.sleep(1)
                continue
            raise _fail(steps, "verify", what, exc.message) from exc
        steps.append(StepResult("verify", what, True, f"power is {power}"))
        return


def configure(
    prepared: Prepared, key: paramiko.PKey, password: str, bmc_timeout: float
) -> list[StepResult]:
    """Steps 2: ipmitool on the live system, then the login over the network."""
    quirk = prepared.quirk
    steps: list[StepResult] = []
    todo = plan(quirk, password, prepared.lan)
    try:
        with remote.session(prepared.target, key) as ssh:
            steps.append(StepResult("ssh", prepared.target.where, True))
            run_steps(ssh, todo, quirk.command_timeout, steps)
    except remote.RemoteError as exc:  # only logging in raises it
        raise _fail(steps, "ssh", prepared.target.where, exc.message) from exc
    access = bmc.BmcAccess(
        prepared.lan.address, prepared.port, quirk.username, password, bmc_timeout
    )
    verify_login(access, quirk.settle_seconds, steps)
    return steps


def save(session: Session, prepared: Prepared, password: str, vault: Vault) -> None:
    machine = session.get(Machine, prepared.machine_id, with_for_update=True)
    if machine is None:
        raise Conflict(f"machine {prepared.serial} was deleted during its BMC set-up")
    if machine.bmc_setup_until != prepared.until:
        # This run outlasted its mark and another one started: that one's
        # password is the BMC's now, or will be. Keep nothing of this one.
        raise Conflict(
            f"another BMC set-up of machine {prepared.serial} started while this one "
            "was running late: nothing of this one was saved"
        )
    held = session.get(IpAddress, prepared.address_id)
    if held is None or held.machine_id != machine.id:
        # Released meanwhile (machine-remove): hold it again if it is still free.
        taken = session.scalar(
            select(IpAddress.id).where(
                IpAddress.network_id == prepared.network_id,
                IpAddress.address == prepared.lan.address,
            )
        )
        if taken is not None:
            raise Conflict(
                f"address {prepared.lan.address} was given to another holder during the "
                "BMC set-up: run machine-ipmi-setup again"
            )
        session.add(
            IpAddress(
                network_id=prepared.network_id,
                address=prepared.lan.address,
                machine_id=machine.id,
                purpose=PURPOSE,
            )
        )
    machine.bmc_setup_until = None
    # A BMC has one address: any other network's hold of it is stale.
    session.execute(
        delete(IpAddress).where(
            IpAddress.machine_id == machine.id,
            IpAddress.purpose == PURPOSE,
            IpAddress.network_id != prepared.network_id,
        )
    )
    bmc_credentials.set_credentials(
        session,
        machine,
        vault,
        username=prepared.quirk.username,
        password=password,
        address=prepared.lan.address,
        port=prepared.port,
    )
    session.add(
        MachineEvent(
            machine=machine,
            kind="bmc-set-up",
            message=(
                f"BMC set up from the live system: {prepared.quirk.username}@"
                f"{prepared.lan.address}:{prepared.port} on network {prepared.network} "
                f"(quirks {prepared.quirk.name!r})"
            ),
            details={"network": prepared.network, "quirks": prepared.quirk.name},
        )
    )
    session.flush()


def release(session: Session, prepared: Prepared) -> None:
    """Undo `prepare`: the address it held goes back to the network, unless
    another run has the machine now (this one outlasted its mark)."""
    machine = session.get(Machine, prepared.machine_id, with_for_update=True)
    if machine is None or machine.bmc_setup_until != prepared.until:
        return
    machine.bmc_setup_until = None
    if prepared.held_here:
        session.execute(
            delete(IpAddress).where(
                IpAddress.id == prepared.address_id,
                IpAddress.machine_id == prepared.machine_id,
                IpAddress.purpose == PURPOSE,
            )
        )


def set_up(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    network_name: str | None,
    port: int | None,
    ssh_port: int,
    ssh_key: paramiko.PKey,
    bmc_timeout: float,
    vault: Vault,
) -> Outcome:
    """The whole set-up; `write` runs a function in a transaction of its own."""
    prepared: Prepared = write(
        lambda s: prepare(
            s,
            key,
            quirks,
            network_name=network_name,
            port=port,
            ssh_port=ssh_port,
            bmc_timeout=bmc_timeout,
        )
    )
    password = generate_password(prepared.quirk)
    try:
        steps = configure(prepared, ssh_key, password, bmc_timeout)
        write(lambda s: save(s, prepared, password, vault))
    except BaseException:
        write(lambda s: release(s, prepared))
        raise
    return Outcome(prepared, steps)
