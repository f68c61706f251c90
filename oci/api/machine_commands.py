"""/api/v1/machines/<key>/...: OCI's remaining machine commands.

Extra addresses (machine-ip-add/-list/-remove), the report counter
(machine-report-counter-reset), the site's DNS and monitoring hooks run on
demand (machine-to-dns ...), the root password (machine-gen-root-pass,
machine-forget-root-pass), the install command (machine-display-install-cmd),
machine-replace, machine-auto-add and machine-wipe. ``<key>`` is a serial, host name,
system UUID or id, as OCI's commands take a serial or a host name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import paramiko
from flask import Blueprint, current_app
from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci import remote
from oci.api.boot import server_url
from oci.api.common import Input, ListQuery, Name, Output, Page, paginate
from oci.api.endpoint import Access, endpoint
from oci.api.enrolment import EnrolmentOut, enrolment_out
from oci.api.install import LIVE_STATES, Reach, target_of
from oci.api.session import app_settings, db, pki, vault, write
from oci.bmc import setup as bmc_setup
from oci.enrolment import addresses, automation, replace, root_password
from oci.errors import Conflict, NotFound, OciError
from oci.hooks.dispatch import Dispatcher
from oci.hooks.document import ON_DEMAND, Event, make_job
from oci.install import inputs, plan, wipe
from oci.inventory.machines import locked_machine_by_key, machine_by_key
from oci.matching import store
from oci.models import IpAddress, Machine, MachineStatus, Network
from oci.models.types import utcnow

bp = Blueprint("machine_commands", __name__)
TAG = "machines"

Address = Annotated[str, StringConstraints(min_length=1, max_length=45)]


def _locked(session: Session, key: str) -> Machine:
    return locked_machine_by_key(session, key)


# --- addresses ----------------------------------------------------------------


class IpIn(Input):
    network: Name
    address: Address = Field(examples=["192.168.101.50"])


class MachineIpOut(Output):
    network: str
    address: str
    purpose: str = Field(description="host: the machine's; bmc: its BMC's (machine-set-ipmi)")


def _ip_out(ip: IpAddress) -> MachineIpOut:
    return MachineIpOut(network=ip.network.name, address=ip.address, purpose=ip.purpose)


@bp.get("/machines/<key>/ip-addresses")
@endpoint(
    "List a machine's addresses (machine-ip-list)",
    tag=TAG,
    query=ListQuery,
    response=Page[MachineIpOut],
)
def list_ips(key: str, query: ListQuery) -> Page[MachineIpOut]:
    session = db()
    machine = machine_by_key(session, key)
    stmt = (
        select(IpAddress)
        .join(IpAddress.network)
        .where(IpAddress.machine_id == machine.id)
        .order_by(Network.name, IpAddress.id)
    )
    return paginate(session, stmt, query, _ip_out)


@bp.post("/machines/<key>/ip-addresses")
@endpoint(
    "Give an enrolled machine an address of its choosing on a network of its cluster "
    "(machine-ip-add)",
    tag=TAG,
    body=IpIn,
    response=MachineIpOut,
    status=201,
)
def add_ip(key: str, body: IpIn) -> MachineIpOut:
    return write(
        lambda s: _ip_out(addresses.add_address(s, _locked(s, key), body.network, body.address))
    )


@bp.delete("/machines/<key>/ip-addresses/<address>")
@endpoint("Take an address from a machine (machine-ip-remove)", tag=TAG, status=204)
def remove_ip(key: str, address: str) -> tuple[str, int]:
    write(lambda s: addresses.remove_address(s, _locked(s, key), address))
    return "", 204


# --- report counter -----------------------------------------------------------


class CounterOut(Output):
    serial: str | None
    discovery_count: int = Field(description="Reports counted since discovery or the last reset")


@bp.post("/machines/<key>/report-counter/reset")
@endpoint(
    "Count a machine's reports from zero again (machine-report-counter-reset): the "
    "hands-free enrolment stages wait for their counts again",
    tag=TAG,
    response=CounterOut,
)
def reset_counter(key: str) -> CounterOut:
    def work(session: Session) -> CounterOut:
        machine = _locked(session, key)
        machine.discovery_count = 0
        return CounterOut(serial=machine.serial, discovery_count=0)

    return write(work)


# --- hooks on demand ----------------------------------------------------------


class HookOutcomeOut(Output):
    hook: str
    ok: bool
    exit_status: int | None
    summary: str = Field(description="One line, as recorded in the machine's events")


class HookRunOut(Output):
    event: str
    serial: str | None
    hostname: str | None
    outcomes: list[HookOutcomeOut]


def _dispatcher() -> Dispatcher:
    dispatcher: Dispatcher | None = current_app.extensions.get("oci_hooks")
    if dispatcher is None:
        raise Conflict(
            "hooks are off on this server: set hooks_dir (OCI_HOOKS_DIR) and put the site's "
            "scripts in it (see docs/hooks.md)"
        )
    return dispatcher


@bp.post("/machines/<key>/hooks/<event>")
@endpoint(
    "Run the site's hooks of an on-demand event for a machine now and wait "
    "(machine-to-dns, machine-out-of-dns, machine-to-monitoring, machine-out-of-monitoring)",
    tag=TAG,
    response=HookRunOut,
)
def run_hooks(key: str, event: str) -> HookRunOut:
    if event not in ON_DEMAND:
        raise NotFound(f"no on-demand hook event {event!r}; one of {', '.join(ON_DEMAND)}")
    chosen: Event = next(e for e in ON_DEMAND if e == event)
    dispatcher = _dispatcher()
    machine = machine_by_key(db(), key)
    if not (dispatcher.hooks_dir / chosen).is_dir():
        raise Conflict(
            f"no hook for {chosen}: nothing ran; put an executable in "
            f"{dispatcher.hooks_dir / chosen}/ (see docs/hooks.md)"
        )
    job = make_job(chosen, machine)
    serial, hostname = machine.serial, machine.hostname
    db().rollback()  # end the read: the outcomes are written in sessions of their own
    outcomes = dispatcher.run_now(job)
    return HookRunOut(
        event=chosen,
        serial=serial,
        hostname=hostname,
        outcomes=[
            HookOutcomeOut(
                hook=o.hook, ok=o.ok, exit_status=o.exit_status, summary=o.summary(chosen)
            )
            for o in outcomes
        ],
    )


# --- root password ------------------------------------------------------------


class RootPasswordOut(Output):
    serial: str | None
    hostname: str | None
    root_password: str = Field(
        description="Shown this once: oci keeps it encrypted and the next install sets it"
    )
    applied: str = Field(
        description="Where it is set: over SSH on an installed machine now (as OCI does), "
        "else by the next install"
    )


NEXT_INSTALL = "set by the next install (machine-install-os)"


def _apply_root_password(key: str, password: str, reach: Reach) -> str:
    """chpasswd on an installed machine, the password on stdin (never a command line)."""
    session = db()
    machine = machine_by_key(session, key)
    if machine.status in LIVE_STATES:
        return NEXT_INSTALL
    try:
        target = target_of(session, machine, reach)
        session.rollback()  # no transaction held open over SSH
        with remote.session(target, remote.server_key(app_settings().ssh_key_file)) as ssh:
            result = remote.run(ssh, "chpasswd", stdin=f"root:{password}\n".encode(), timeout=60)
    except OciError as exc:
        return f"not set now ({exc.message}); {NEXT_INSTALL}"
    except (paramiko.SSHException, OSError) as exc:
        return f"not set now (SSH to {target.where}: {exc}); {NEXT_INSTALL}"
    if result.exit_status != 0:
        said = (result.stderr or result.stdout).strip().splitlines()
        why = said[-1] if said else f"exit {result.exit_status}"
        return f"not set now (chpasswd on {target.where}: {why}); {NEXT_INSTALL}"
    return f"set on {target.where} with chpasswd"


@bp.post("/machines/<key>/root-password")
@endpoint(
    "Make a new root password for an enrolled machine (machine-gen-root-pass): shown once, "
    "kept encrypted, set over SSH at once on an installed machine and by every install",
    tag=TAG,
    access=Access.SECRET,
    body=Reach,
    response=RootPasswordOut,
    status=201,
)
def gen_root_password(key: str, body: Reach) -> RootPasswordOut:
    the_vault = vault()

    def work(session: Session) -> tuple[str | None, str | None, str]:
        machine = _locked(session, key)
        password = root_password.generate(session, machine, the_vault)
        return machine.serial, machine.hostname, password

    serial, hostname, password = write(work)
    return RootPasswordOut(
        serial=serial,
        hostname=hostname,
        root_password=password,
        applied=_apply_root_password(key, password, body),
    )


@bp.delete("/machines/<key>/root-password")
@endpoint(
    "Forget a machine's root password (machine-forget-root-pass); the next install sets none",
    tag=TAG,
    status=204,
)
def forget_root_password(key: str) -> tuple[str, int]:
    def work(session: Session) -> None:
        machine = _locked(session, key)
        if not root_password.forget(session, machine):
            raise NotFound(f"machine {machine.serial or machine.id} has no root password")

    write(work)
    return "", 204


# --- install command ----------------------------------------------------------


class BundleFileOut(Output):
    path: str
    mode: str = Field(examples=["0644"])
    size: int


class InstallCommandOut(Output):
    serial: str | None
    hostname: str | None
    command: str = Field(description="What machine-install-os runs in the live system")
    settings: dict[str, str] = Field(description="The installer's install.env")
    files: list[BundleFileOut] = Field(description="The bundle pushed before it (no contents)")


@bp.get("/machines/<key>/install-command")
@endpoint(
    "Show what machine-install-os would run, without running it (machine-display-install-cmd)",
    tag=TAG,
    response=InstallCommandOut,
)
def install_command(key: str) -> InstallCommandOut:
    session = db()
    machine = machine_by_key(session, key)
    given = inputs.gather(session, machine, app_settings(), api_url=server_url())
    files = plan.bundle_files(given)
    return InstallCommandOut(
        serial=machine.serial,
        hostname=machine.hostname,
        command=plan.command(),
        settings=plan.install_env(given),
        files=[
            BundleFileOut(path=f.path, mode=f"{f.mode:04o}", size=len(f.content)) for f in files
        ],
    )


# --- replace and auto-add -----------------------------------------------------


class ReplaceIn(Input):
    new: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="The machine that takes the place (serial, host name, UUID or id)"
    )


@bp.post("/machines/<key>/replacement")
@endpoint(
    "Put another machine in this one's place (machine-replace OLD NEW): host name, "
    "cluster, role, addresses, options; this one is forgotten",
    tag=TAG,
    body=ReplaceIn,
    response=EnrolmentOut,
)
def replace_(key: str, body: ReplaceIn) -> EnrolmentOut:
    return write(lambda s: enrolment_out(replace.replace_machine(s, key, body.new)))


class AutoAddOut(EnrolmentOut):
    done: list[str] = Field(description="What the stages did, one line each")


@bp.post("/machines/<key>/auto-add")
@endpoint(
    "Apply the matching hardware profile and add the machine to its cluster now "
    "(machine-auto-add), whatever its report count",
    tag=TAG,
    response=AutoAddOut,
)
def auto_add(key: str) -> AutoAddOut:
    settings = app_settings()
    the_vault = vault()

    def work(session: Session) -> AutoAddOut:
        machine = machine_by_key(session, key)
        catalogue = store.load(session, settings)
        done = automation.add_now(session, machine.id, catalogue, the_vault)
        session.refresh(machine)
        return AutoAddOut(**enrolment_out(machine).model_dump(), done=done)

    out = write(work)
    assert out.hostname is not None
    # After the commit, as machine-add does: the node certificate.
    pki().issue_node(out.hostname, [a.address for a in out.addresses])
    return out


# --- wipe -----------------------------------------------------------------------


def _unmark(session: Session, machine_id: int, until: datetime) -> Machine | None:
    """The machine, its mark cleared if it is still this run's; None if it was deleted."""
    machine = session.get(Machine, machine_id, with_for_update=True)
    if machine is not None and machine.bmc_setup_until == until:
        machine.bmc_setup_until = None
    return machine


class WipeOut(Output):
    serial: str | None
    reached: str
    wiped: list[str] = Field(description="The disks wiped (USB disks are left alone)")


@bp.post("/machines/<key>/wipe")
@endpoint(
    "Wipe a live machine's disks over SSH (machine-wipe): RAID arrays stopped, signatures "
    "erased, the first 100 MiB zeroed",
    tag=TAG,
    body=Reach,
    response=WipeOut,
    errors=(502,),
)
def wipe_(key: str, body: Reach) -> WipeOut:
    def begin(session: Session) -> tuple[remote.Target, list[str], str | None, int, datetime]:
        # Locked, and the machine's mark of a vendor-tool run held while the disks are
        # zeroed: a RAID or BMC run waits for it (a 409), and this for them.
        machine = locked_machine_by_key(session, key)
        name = machine.serial or str(machine.id)
        bmc_setup.refuse_if_running(machine, name, "wait for it, then wipe")
        if machine.status != MachineStatus.LIVE:
            raise Conflict(
                f"machine {name} is {machine.status.value}, not live: wipe only runs in the "
                "live system (machine-reboot-on-live first)",
                {"status": machine.status.value},
            )
        names = wipe.disks_to_wipe((d.name, d.transport) for d in machine.disks)
        if not names:
            raise Conflict(f"machine {name} has no disk to wipe (USB disks are left alone)")
        target = target_of(session, machine, body)
        # Whole seconds: the same value reads back from every database.
        until = (utcnow() + wipe.MARK).replace(microsecond=0)
        machine.bmc_setup_until = until
        return target, names, machine.serial, machine.id, until

    # Committed before SSH: no transaction held open while the disks are zeroed.
    target, names, serial, machine_id, until = write(begin)
    try:
        wiped = wipe.wipe(target, remote.server_key(app_settings().ssh_key_file), names)
    except BaseException:
        write(lambda s: _unmark(s, machine_id, until))
        raise

    def record(s: Session) -> None:
        found = _unmark(s, machine_id, until)
        if found is not None:
            automation.event(s, found, "wiped", f"disks wiped: {', '.join(wiped)}", disks=wiped)

    write(record)
    return WipeOut(serial=serial, reached=target.where, wiped=wiped)
