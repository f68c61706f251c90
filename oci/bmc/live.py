# Writes: BMC credentials (renewed password) and machine events.
"""BMC work done from a machine's live system over SSH, besides machine-ipmi-setup:

- `apply_stored` (machine-apply-ipmi): give the BMC the user, password and
  address oci already stores for it (machine-set-ipmi), as OCI re-runs its
  ipmitool commands; nothing in the inventory changes.
- `renew_password` (machine-renew-ipmi-password): a new generated password
  for the stored user, set in-band, saved once the BMC took it.
- `hponcfg_license` / `hponcfg_ipmi_over_lan` (machine-hpe-*): HPE iLO
  settings with hponcfg, for machines whose quirks entry says `hponcfg`.

Each run holds the machine's BMC set-up mark (`bmc_setup_until`, see
oci/bmc/setup.py) so that no two BMC runs on one machine overlap. Secrets go
to the live system on the SSH channel's stdin (`ipmitool exec /dev/stdin`),
never in a command's arguments. What ran is recorded as a machine event.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import paramiko
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci import remote
from oci.bmc import credentials as bmc_credentials
from oci.bmc import ipmi as bmc
from oci.bmc.lan import LanOverrides, effective_lan, machine_overrides
from oci.bmc.quirks import STDIN, Facts, Lan, Quirk, Step, generate_password, pick, plan
from oci.bmc.setup import SetupFailed, StepResult, run_steps, verify_login
from oci.errors import Conflict, Invalid
from oci.inventory import machines
from oci.inventory import status as machine_status
from oci.models import IpAddress, Machine, MachineEvent, Network
from oci.models.status import MachineStatus
from oci.models.types import utcnow
from oci.security.vault import Vault

__all__ = [
    "LiveRun",
    "apply_stored",
    "hponcfg_ipmi_over_lan",
    "hponcfg_license",
    "parse_user_list",
    "renew_password",
]

T = TypeVar("T")
Writer = Callable[[Callable[[Session], T]], T]
# Where hponcfg's RIBCL input is written for one run (tmpfs; removed after).
RIBCL_PATH = "/run/oci-hponcfg-ipmi-over-lan.xml"
# hponcfg run in-band ignores the LOGIN credentials (HPE's hponcfg guide); RIBCL
# still requires the element.
RIBCL_IPMI_OVER_LAN = (
    '<RIBCL VERSION="2.0"><LOGIN USER_LOGIN="oci" PASSWORD="unused">'
    '<RIB_INFO MODE="write"><MOD_GLOBAL_SETTINGS>'
    '<IPMI_DCMI_OVER_LAN_ENABLED VALUE="Y"/>'
    "</MOD_GLOBAL_SETTINGS></RIB_INFO></LOGIN></RIBCL>\n"
)


@dataclass(frozen=True)
class LiveRun:
    """What a run needs, read in one short transaction."""

    machine_id: int
    serial: str
    target: remote.Target
    quirk: Quirk
    until: datetime
    bmc_port: int  # the stored one, else IPMI's


@dataclass(frozen=True)
class Outcome:
    run: LiveRun
    steps: list[StepResult]
    output: str = ""
    lan: Lan | None = None  # what machine-apply-ipmi gave the BMC


def _begin(
    session: Session,
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    ssh_port: int,
    minutes: float,
    needs_credentials: bool,
) -> tuple[Machine, LiveRun]:
    machine = machines.locked_machine_by_key(session, key)  # a 404 if deleted meanwhile
    serial = machine.serial or str(machine.id)
    until = machine.bmc_setup_until
    if until is not None and until > utcnow():
        raise Conflict(
            f"a BMC run on machine {serial} is already going on (it ends by {until:%H:%M:%S} "
            "UTC at the latest): wait for it"
        )
    if machine.status != MachineStatus.LIVE:
        raise Conflict(
            f"machine {serial} is {machine.status}, not in its live system: "
            "reboot it on the live image first (ocicli machine-ipmi-reboot-on-live)"
        )
    b = machine.bmc
    if needs_credentials and (
        b is None or not (b.ipmi_username and b.ipmi_password and b.ipmi_address)
    ):
        raise Conflict(
            f"machine {serial} has no stored BMC credentials: ocicli machine-set-ipmi "
            "first, or let oci make them (ocicli machine-ipmi-setup)"
        )
    target = machine_status.live_target(session, machine, ssh_port)
    facts = Facts(machine.manufacturer, machine.product_name, b.manufacturer if b else None)
    quirk = pick(quirks, facts)
    # Whole seconds: the same value reads back from every database.
    mark = (utcnow() + timedelta(minutes=minutes)).replace(microsecond=0)
    machine.bmc_setup_until = mark
    session.flush()
    port = (b.ipmi_port if b else None) or bmc_credentials.IPMI_PORT
    return machine, LiveRun(machine.id, serial, target, quirk, mark, port)


def _end(session: Session, run: LiveRun, kind: str, message: str, details: dict[str, Any]) -> None:
    machine = session.get(Machine, run.machine_id, with_for_update=True)
    if machine is None:
        return
    if machine.bmc_setup_until == run.until:
        machine.bmc_setup_until = None
    session.add(MachineEvent(machine=machine, kind=kind, message=message, details=details))
    session.flush()


def _ssh_steps(run: LiveRun, key: paramiko.PKey, todo: list[Step]) -> list[StepResult]:
    steps: list[StepResult] = []
    try:
        with remote.session(run.target, key) as ssh:
            steps.append(StepResult("ssh", run.target.where, True))
            run_steps(ssh, todo, run.quirk.command_timeout, steps)
    except remote.RemoteError as exc:
        steps.append(StepResult("ssh", run.target.where, False, exc.message))
        raise SetupFailed(
            f"cannot reach the live system of machine {run.serial}: {exc.message}; nothing was "
            "changed",
            {"step": "ssh", "steps": [asdict(s) for s in steps]},
        ) from exc
    return steps


def _failed_event(write: Writer[Any], run: LiveRun, kind: str, error: Exception) -> None:
    details = getattr(error, "details", {}) or {}
    message = getattr(error, "message", str(error))
    write(lambda s: _end(s, run, kind, f"failed: {message}", dict(details)))


# --- machine-apply-ipmi -------------------------------------------------------------------


def _lan_of(
    session: Session,
    machine: Machine,
    address: str,
    netmask: str | None,
    gateway: str | None,
) -> Lan:
    """The LAN settings for `address` (oci.bmc.lan.effective_lan): `netmask` and
    `gateway` when given, else the machine's own (machine-set --ipmi-netmask,
    --ipmi-default-gw, --ipmi-vlan), else the ipmi network that holds it (its
    netmask, first host as gateway, VLAN)."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        raise Invalid(
            f"the stored BMC address {address!r} is not an IPv4 address: IPMI's LAN "
            "settings take one; set it with ocicli machine-set-ipmi"
        ) from None
    vlan = None
    network: ipaddress.IPv4Network | None = None
    held = session.scalars(
        select(Network)
        .join(IpAddress, IpAddress.network_id == Network.id)
        .where(IpAddress.machine_id == machine.id, IpAddress.address == address)
    ).first()
    candidates = [held] if held is not None else []
    if machine.cluster_id is not None:
        candidates += session.scalars(
            select(Network).where(Network.cluster_id == machine.cluster_id, Network.role == "ipmi")
        ).all()
    for candidate in candidates:
        net = candidate.ip_network
        if isinstance(net, ipaddress.IPv4Network) and ip in net:
            network, vlan = net, candidate.vlan
            break
    return effective_lan(
        address,
        network,
        vlan,
        machine_overrides(machine.settings),
        LanOverrides(netmask=netmask, gateway=gateway),
    )


def apply_stored(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    netmask: str | None,
    gateway: str | None,
    ssh_port: int,
    ssh_key: paramiko.PKey,
    bmc_timeout: float,
    vault: Vault,
) -> Outcome:
    """machine-apply-ipmi: the stored user, password and address, set in-band."""

    def begin(session: Session) -> tuple[LiveRun, Lan, Quirk, str]:
        # The mark: some 15 ipmitool steps of command_timeout at worst, and the login.
        # A refusal below rolls it back with the rest of the transaction.
        machine, run = _begin(
            session,
            key,
            quirks,
            ssh_port=ssh_port,
            minutes=30,
            needs_credentials=True,
        )
        b = machine.bmc
        assert b is not None and b.ipmi_address and b.ipmi_username and b.ipmi_password
        lan = _lan_of(session, machine, b.ipmi_address, netmask, gateway)
        password = vault.decrypt(b.ipmi_password)
        username = b.ipmi_username
        quirk = run.quirk.model_copy(update={"username": username})
        try:
            plan(quirk, password, lan)  # its checks; built again outside the transaction
        except ValueError:
            raise Invalid(
                f"the stored password of machine {run.serial}'s BMC cannot go through ipmitool "
                f"exec (blanks, quotes, '#', '~' or '\\', or longer than "
                f"{20 if quirk.password_length > 16 else 16}): give the BMC a new one with "
                "ocicli machine-renew-ipmi-password"
            ) from None
        if not username.isprintable() or any(c.isspace() for c in username):
            raise Invalid(f"the stored BMC user name {username!r} cannot go to ipmitool")
        return replace(run, quirk=quirk), lan, quirk, password

    run, lan, quirk, password = write(begin)
    try:
        steps = _ssh_steps(run, ssh_key, plan(quirk, password, lan))
        access = bmc.BmcAccess(lan.address, run.bmc_port, quirk.username, password, bmc_timeout)
        verify_login(access, quirk.settle_seconds, steps)
    except Exception as exc:
        _failed_event(write, run, "bmc-applied", exc)
        raise
    message = (
        f"BMC settings applied from the live system: {quirk.username}@{lan.address} "
        f"netmask {lan.netmask} gateway {lan.gateway or '-'} vlan {lan.vlan or 'off'} "
        f"(quirks {quirk.name!r})"
    )
    details = {"quirks": quirk.name, "steps": [asdict(s) for s in steps]}
    write(lambda s: _end(s, run, "bmc-applied", message, details))
    return Outcome(run, steps, lan=lan)


# --- machine-renew-ipmi-password ----------------------------------------------------------


def parse_user_list(text: str) -> dict[str, int]:
    """`ipmitool user list CHANNEL` -> {user name: user id}. ipmitool prints each
    row as "%-4d%-17s..." (ID, then the name in 17 columns, then flags)."""
    users: dict[str, int] = {}
    for line in text.splitlines():
        head = line[:4].strip()
        if not head.isdigit():
            continue
        name = line[4:21].strip()
        if name:
            users.setdefault(name, int(head))
    return users


def _user_id(ssh: paramiko.SSHClient, run: LiveRun, username: str, steps: list[StepResult]) -> int:
    step = Step("user id", ("ipmitool", "user", "list", str(run.quirk.channel)))
    result = remote.run(ssh, step.command, timeout=run.quirk.command_timeout)
    users = parse_user_list(result.stdout) if result.exit_status == 0 else {}
    if username not in users:
        said = result.stderr.strip()[:200] or f"no user {username!r} in the BMC's user list"
        steps.append(StepResult(step.name, step.command, False, said))
        raise SetupFailed(
            f"cannot find the BMC user {username!r} of machine {run.serial} in-band ({said}); "
            "nothing was changed",
            {"step": step.name, "steps": [asdict(s) for s in steps]},
        )
    steps.append(StepResult(step.name, step.command, True, f"{username} is user {users[username]}"))
    return users[username]


def renew_password(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    ssh_port: int,
    ssh_key: paramiko.PKey,
    bmc_timeout: float,
    vault: Vault,
) -> Outcome:
    """A new password for the stored BMC user, set in-band; saved as soon as the
    BMC took it (else oci would lose the way in), then checked over the network."""

    def begin(session: Session) -> tuple[LiveRun, str, str]:
        machine, run = _begin(
            session,
            key,
            quirks,
            ssh_port=ssh_port,
            minutes=15,  # two ipmitool runs and a login, with room
            needs_credentials=True,
        )
        b = machine.bmc
        assert b is not None and b.ipmi_username is not None and b.ipmi_address is not None
        return run, b.ipmi_username, b.ipmi_address

    run, username, address = write(begin)
    quirk = run.quirk
    password = generate_password(quirk)
    size = "16" if quirk.password_length <= 16 else "20"
    steps: list[StepResult] = []
    try:
        with remote.session(run.target, ssh_key) as ssh:
            steps.append(StepResult("ssh", run.target.where, True))
            user = _user_id(ssh, run, username, steps)
            step = Step(
                "user password",
                ("ipmitool", "exec", STDIN),
                stdin=f"user set password {user} {password} {size}\n",
                shown=f"ipmitool exec {STDIN}  (stdin: user set password {user} ******** {size})",
            )
            run_steps(ssh, [step], quirk.command_timeout, steps)
    except remote.RemoteError as exc:
        _failed_event(write, run, "bmc-password", exc)
        raise SetupFailed(
            f"cannot reach the live system of machine {run.serial}: {exc.message}; "
            "nothing was changed"
        ) from exc
    except Exception as exc:
        _failed_event(write, run, "bmc-password", exc)
        raise

    def save(session: Session) -> None:
        machine = session.get(Machine, run.machine_id, with_for_update=True)
        if machine is None:
            raise Conflict(f"machine {run.serial} was deleted while its BMC password changed")
        bmc_credentials.set_credentials(
            session, machine, vault, username=username, password=password
        )
        _end(
            session,
            run,
            "bmc-password",
            f"BMC password of {username} renewed from the live system (quirks {quirk.name!r})",
            {"quirks": quirk.name},
        )

    write(save)
    access = bmc.BmcAccess(address, run.bmc_port, username, password, bmc_timeout)
    try:
        verify_login(access, quirk.settle_seconds, steps)
    except SetupFailed as exc:
        raise SetupFailed(
            f"the BMC took the new password in-band and oci saved it, but a login over the "
            f"network failed: {exc.message.removesuffix('; nothing was saved')}",
            exc.details,
        ) from exc
    return Outcome(run, steps)


# --- machine-hpe-* ------------------------------------------------------------------------


def _hponcfg_run(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    kind: str,
    ssh_port: int,
    ssh_key: paramiko.PKey,
    work: Callable[[paramiko.SSHClient, LiveRun, list[StepResult]], str],
) -> Outcome:
    def begin(session: Session) -> LiveRun:
        _, run = _begin(
            session,
            key,
            quirks,
            ssh_port=ssh_port,
            minutes=10,
            needs_credentials=False,
        )
        if not run.quirk.hponcfg:
            raise Conflict(
                f"machine {run.serial} is not an HPE iLO machine for oci: its BMC quirks entry "
                f"{run.quirk.name!r} has no `hponcfg: true`"
            )
        return run

    run = write(begin)
    steps: list[StepResult] = []
    try:
        with remote.session(run.target, ssh_key) as ssh:
            steps.append(StepResult("ssh", run.target.where, True))
            output = work(ssh, run, steps)
    except remote.RemoteError as exc:
        _failed_event(write, run, kind, exc)
        raise SetupFailed(
            f"cannot reach the live system of machine {run.serial}: {exc.message}"
        ) from exc
    except Exception as exc:
        _failed_event(write, run, kind, exc)
        raise
    message = "; ".join(s.command for s in steps[1:])
    details = {"steps": [asdict(s) for s in steps], "output": output[-4000:]}
    write(lambda s: _end(s, run, kind, f"ran {message}", details))
    return Outcome(run, steps, output)


def _hponcfg(ssh: paramiko.SSHClient, run: LiveRun, path: str, steps: list[StepResult]) -> str:
    step = Step("hponcfg", ("hponcfg", "-f", path))
    result = remote.run(ssh, step.command, timeout=run.quirk.command_timeout)
    output = (result.stdout + result.stderr).strip()
    if result.exit_status != 0:
        steps.append(StepResult(step.name, step.command, False, output[-300:]))
        raise SetupFailed(
            f"{step.command}: exit status {result.exit_status}: {output[-300:] or 'no message'}",
            {"step": step.name, "steps": [asdict(s) for s in steps], "output": output},
        )
    steps.append(StepResult(step.name, step.command, True))
    return output


def hponcfg_license(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    ssh_port: int,
    ssh_key: paramiko.PKey,
) -> Outcome:
    """machine-hpe-ilo-license-install: hponcfg -f the licence file of the live image."""

    def work(ssh: paramiko.SSHClient, run: LiveRun, steps: list[StepResult]) -> str:
        path = run.quirk.ilo_license_file
        check = Step("licence file", ("test", "-f", path))
        if remote.run(ssh, check.command, timeout=30).exit_status != 0:
            steps.append(StepResult(check.name, check.command, False, "absent"))
            # OCI does nothing silently here; say it.
            raise Conflict(
                f"the live system of machine {run.serial} has no iLO licence at {path}: "
                "put it in the live image (or set ilo_license_file in the BMC quirks)",
                {"steps": [asdict(s) for s in steps]},
            )
        steps.append(StepResult(check.name, check.command, True))
        return _hponcfg(ssh, run, path, steps)

    return _hponcfg_run(write, key, quirks, "hpe-ilo-license", ssh_port, ssh_key, work)


def hponcfg_ipmi_over_lan(
    write: Writer[Any],
    key: str,
    quirks: tuple[Quirk, ...],
    *,
    ssh_port: int,
    ssh_key: paramiko.PKey,
) -> Outcome:
    """machine-hpe-activate-ipmi-over-lan: RIBCL IPMI_DCMI_OVER_LAN_ENABLED=Y through hponcfg."""

    def work(ssh: paramiko.SSHClient, run: LiveRun, steps: list[StepResult]) -> str:
        remote.put(ssh, [(RIBCL_PATH, RIBCL_IPMI_OVER_LAN.encode(), 0o600)])
        steps.append(StepResult("ribcl", f"sftp put {RIBCL_PATH}", True))
        try:
            return _hponcfg(ssh, run, RIBCL_PATH, steps)
        finally:
            remote.run(ssh, Step("cleanup", ("rm", "-f", RIBCL_PATH)).command, timeout=30)

    return _hponcfg_run(write, key, quirks, "hpe-ipmi-over-lan", ssh_port, ssh_key, work)
