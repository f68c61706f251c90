"""/api/v1/machines/<key>/ipmi, /ipmi/setup, /power, /bootdev: a machine's BMC.

Every call that reaches a BMC is bounded by the `bmc_timeout` setting (see
oci/bmc/ipmi.py): a dead BMC is a 504 with its address, a refusing one a 502 with
its reason, and the server never waits longer.
"""

from __future__ import annotations

import fnmatch
import shlex
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci import remote
from oci.api.common import Host, Input, Output
from oci.api.endpoint import Access, endpoint
from oci.api.session import app_settings, db, vault, write
from oci.bmc import credentials as bmc_credentials
from oci.bmc import ipmi as bmc
from oci.bmc import ipmitool as bmc_ipmitool
from oci.bmc import live as bmc_live
from oci.bmc import quirks as bmc_quirks
from oci.bmc import setup as bmc_setup
from oci.errors import Invalid
from oci.inventory import machines as inventory
from oci.inventory import status as machine_status
from oci.models import Cluster, Machine, MachineStatus

bp = Blueprint("bmc", __name__)
TAG = "bmc"


class IpmiSet(Input):
    username: Annotated[str, StringConstraints(min_length=1, max_length=16)] = Field(
        description="IPMI user name (16 characters at most, as IPMI allows)"
    )
    password: Annotated[str, StringConstraints(min_length=1, max_length=20)] = Field(
        description="IPMI 2.0 password (20 characters at most)"
    )
    address: Host | None = Field(None, description="The BMC's; default: the address discovery saw")
    port: int | None = Field(None, ge=1, le=65535, description="Default: 623")


class IpmiChange(Input):
    username: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = Field(
        None, description="IPMI user name (16 characters at most, as IPMI allows)"
    )
    address: Host | None = Field(None, description="The BMC's address")
    port: int | None = Field(None, ge=1, le=65535, description="UDP port")


class IpmiOut(Output):
    serial: str | None
    address: str | None
    port: int | None
    username: str | None
    password_set: bool = Field(description="A password is stored (never shown)")
    discovered_address: str | None


class IpmiSecretOut(IpmiOut):
    password: str


class PowerIn(Input):
    action: Literal["on", "off", "cycle", "reset", "soft"]


class PowerOut(Output):
    serial: str | None
    power: str = Field(description="on or off, as the BMC reports it")


class BootdevIn(Input):
    device: Literal["pxe", "disk"]
    persistent: bool = False
    uefi: bool = False


class BootdevOut(Output):
    serial: str | None
    device: str
    persistent: bool
    uefi: bool


def _out(machine: Machine) -> IpmiOut:
    b = machine.bmc
    return IpmiOut(
        serial=machine.serial,
        address=b.ipmi_address if b else None,
        port=b.ipmi_port if b else None,
        username=b.ipmi_username if b else None,
        password_set=bool(b and b.ipmi_password),
        discovered_address=b.ip_address if b else None,
    )


def bmc_access(key: str) -> tuple[Machine, bmc.BmcAccess]:
    machine = inventory.machine_by_key(db(), key)
    timeout = app_settings().bmc_timeout
    return machine, bmc_credentials.access_for(machine, vault(), timeout)


def _unbusy(session: Session, key: str) -> Machine:
    """The machine, its row locked; a 409 while a BMC or RAID run holds its mark: the
    run's end saves the credentials it set (a renewed password) over these."""
    machine = inventory.locked_machine_by_key(session, key)
    bmc_setup.refuse_if_running(
        machine,
        machine.serial or str(machine.id),
        "it saves the BMC credentials it set when it ends, over these: wait for it, then "
        "set them again",
    )
    return machine


@bp.put("/machines/<key>/ipmi")
@endpoint(
    "Store how to reach a machine's BMC (machine-set-ipmi); the password is encrypted",
    tag=TAG,
    body=IpmiSet,
    response=IpmiOut,
)
def set_ipmi(key: str, body: IpmiSet) -> IpmiOut:
    the_vault = vault()

    def work(session: Session) -> IpmiOut:
        machine = _unbusy(session, key)
        bmc_credentials.set_credentials(
            session,
            machine,
            the_vault,
            username=body.username,
            password=body.password,
            address=body.address,
            port=body.port,
        )
        return _out(machine)

    return write(work)


@bp.patch("/machines/<key>/ipmi")
@endpoint(
    "Change the user name, address or port oci reaches a machine's BMC with, keeping its "
    "stored password (machine-set --ipmi-username/--ipmi-addr/--ipmi-port)",
    tag=TAG,
    body=IpmiChange,
    response=IpmiOut,
)
def change_ipmi(key: str, body: IpmiChange) -> IpmiOut:
    def work(session: Session) -> IpmiOut:
        machine = _unbusy(session, key)
        bmc_credentials.change_access(
            session, machine, username=body.username, address=body.address, port=body.port
        )
        return _out(machine)

    return write(work)


@bp.get("/machines/<key>/ipmi")
@endpoint("Show how oci reaches a machine's BMC (never the password)", tag=TAG, response=IpmiOut)
def show_ipmi(key: str) -> IpmiOut:
    return _out(inventory.machine_by_key(db(), key))


@bp.get("/machines/<key>/ipmi/password")
@endpoint(
    "Reveal a machine's BMC credentials (machine-console writes them to a private file)",
    tag=TAG,
    access=Access.SECRET,
    response=IpmiSecretOut,
)
def reveal_ipmi(key: str) -> IpmiSecretOut:
    machine, access = bmc_access(key)
    return IpmiSecretOut(**_out(machine).model_dump(), password=access.password)


@bp.get("/machines/<key>/power")
@endpoint("Ask a machine's BMC for its power state", tag=TAG, response=PowerOut, errors=(502, 504))
def power_status(key: str) -> PowerOut:
    machine, access = bmc_access(key)
    return PowerOut(serial=machine.serial, power=bmc.power_state(access))


@bp.post("/machines/<key>/power")
@endpoint(
    "Power a machine on, off (hard), soft (ACPI), cycle or reset through its BMC",
    tag=TAG,
    body=PowerIn,
    response=PowerOut,
    errors=(502, 504),
)
def power(key: str, body: PowerIn) -> PowerOut:
    machine, access = bmc_access(key)
    return PowerOut(serial=machine.serial, power=bmc.power(access, body.action))


@bp.post("/machines/<key>/bootdev")
@endpoint(
    "Set the device a machine boots from next (or always, with persistent)",
    tag=TAG,
    body=BootdevIn,
    response=BootdevOut,
    errors=(502, 504),
)
def bootdev(key: str, body: BootdevIn) -> BootdevOut:
    machine, access = bmc_access(key)
    bmc.set_boot_device(access, body.device, persistent=body.persistent, uefi=body.uefi)
    return BootdevOut(serial=machine.serial, **body.model_dump())


class RebootIn(Input):
    uefi: bool = False


def reboot(key: str, device: str, uefi: bool) -> PowerOut:
    """Set the next boot device and power-cycle (the dashboard's actions call it too)."""
    machine, access = bmc_access(key)
    serial = machine.serial
    bmc.set_boot_device(access, device, uefi=uefi)
    if device == "pxe" and machine.status != MachineStatus.LIVE:
        # The boot service answers by state: an installed machine would be
        # sent to its disk. Back to live, so the network boot gets the live image.
        write(
            lambda s: machine_status.change_status(
                s, key, MachineStatus.LIVE, message="machine-ipmi-reboot-on-live"
            )
        )
    return PowerOut(serial=serial, power=bmc.power(access, "cycle"))


@bp.post("/machines/<key>/reboot-on-live")
@endpoint(
    "Boot a machine from the network (the live system) and power-cycle it",
    tag=TAG,
    body=RebootIn,
    response=PowerOut,
    errors=(502, 504),
)
def reboot_on_live(key: str, body: RebootIn) -> PowerOut:
    return reboot(key, "pxe", body.uefi)


@bp.post("/machines/<key>/reboot-on-hdd")
@endpoint(
    "Boot a machine from its installed disk and power-cycle it",
    tag=TAG,
    body=RebootIn,
    response=PowerOut,
    errors=(502, 504),
)
def reboot_on_hdd(key: str, body: RebootIn) -> PowerOut:
    return reboot(key, "disk", body.uefi)


class IpmiSetupIn(Input):
    network: str | None = Field(
        None,
        max_length=64,
        description="The ipmi network to take the address from; default: the cluster's "
        "only ipmi network in the machine's location",
    )
    port: int | None = Field(
        None, ge=1, le=65535, description="UDP port the BMC answers on; default: 623"
    )


class SetupStepOut(Output):
    step: str
    command: str = Field(description="What ran (the password masked)")
    ok: bool
    detail: str


class IpmiSetupOut(IpmiOut):
    network: str
    quirks: str = Field(description="The vendor entry of the BMC quirks file that was used")
    steps: list[SetupStepOut]


@bp.post("/machines/<key>/ipmi/setup")
@endpoint(
    "Set the BMC up from the live system (machine-ipmi-setup): ipmitool makes a user "
    "with a generated password and a static address on the cluster's ipmi network; "
    "saved only once a login over the network works",
    tag=TAG,
    body=IpmiSetupIn,
    response=IpmiSetupOut,
    errors=(502,),
)
def setup_ipmi(key: str, body: IpmiSetupIn) -> IpmiSetupOut:
    settings = app_settings()
    outcome = bmc_setup.set_up(
        write,
        key,
        bmc_quirks.load_quirks(settings.bmc_quirks_file),
        network_name=body.network,
        port=body.port,
        ssh_port=settings.live_ssh_port,
        ssh_key=remote.server_key(settings.ssh_key_file),
        bmc_timeout=settings.bmc_timeout,
        vault=vault(),
    )
    # A transaction of its own: the request's session may predate the save.
    saved = write(lambda s: _out(inventory.machine_by_key(s, key)))
    return IpmiSetupOut(
        **saved.model_dump(),
        network=outcome.prepared.network,
        quirks=outcome.prepared.quirk.name,
        steps=[SetupStepOut(**vars(step)) for step in outcome.steps],
    )


# --- OCI's other BMC commands (issue 23) ----------------------------------------------


class IpmiCommandIn(Input):
    command: str = Field(
        min_length=1,
        max_length=512,
        description="An ipmitool command, as after ipmitool's options: 'chassis power status'",
    )


class IpmiCommandOut(Output):
    serial: str | None
    command: str
    exit_status: int = Field(description="ipmitool's exit status")
    output: str = Field(description="What ipmitool printed (stdout, then stderr)")


@bp.post("/machines/<key>/ipmi/command")
@endpoint(
    "Run one ipmitool command against a machine's BMC over the network (machine-ipmi-cmd); "
    "the password goes to ipmitool in its environment, never in its arguments",
    tag=TAG,
    body=IpmiCommandIn,
    response=IpmiCommandOut,
)
def ipmi_command(key: str, body: IpmiCommandIn) -> IpmiCommandOut:
    words = bmc_ipmitool.parse_command(body.command)  # a 400 before any BMC is reached
    machine, access = bmc_access(key)
    # ipmitool's own retries fit in; the deadline is the server's, not the BMC's.
    result = bmc_ipmitool.run(access, words, timeout=max(access.timeout, 5.0) * 3)
    return IpmiCommandOut(
        serial=machine.serial,
        command=shlex.join(words),
        exit_status=result.exit_status,
        output=result.output,
    )


# Checked as addresses by oci.bmc.live (a 400 naming the field).
Ipv4Text = Annotated[str, StringConstraints(pattern=r"^[0-9.]{7,15}$")]


class IpmiApplyIn(Input):
    netmask: Ipv4Text | None = Field(
        None,
        description="Default: the machine's ipmi_netmask, else the netmask of the ipmi "
        "network that holds the address",
    )
    gateway: Ipv4Text | None = Field(
        None,
        description="Default: the machine's ipmi_default_gw, else the first host of the "
        "network the netmask makes around the address",
    )


class IpmiApplyOut(IpmiOut):
    netmask: str
    gateway: str | None
    vlan: int | None
    quirks: str
    steps: list[SetupStepOut]


def _live_settings() -> tuple[Any, Any]:
    settings = app_settings()
    return settings, remote.server_key(settings.ssh_key_file)


@bp.post("/machines/<key>/ipmi/apply")
@endpoint(
    "Give the BMC the user, password and address oci stores for it, with ipmitool in the "
    "machine's live system (machine-apply-ipmi); then log in over the network",
    tag=TAG,
    body=IpmiApplyIn,
    response=IpmiApplyOut,
    errors=(502,),
)
def apply_ipmi(key: str, body: IpmiApplyIn) -> IpmiApplyOut:
    settings, ssh_key = _live_settings()
    outcome = bmc_live.apply_stored(
        write,
        key,
        bmc_quirks.load_quirks(settings.bmc_quirks_file),
        netmask=body.netmask,
        gateway=body.gateway,
        ssh_port=settings.live_ssh_port,
        ssh_key=ssh_key,
        bmc_timeout=settings.bmc_timeout,
        vault=vault(),
    )
    saved = write(lambda s: _out(inventory.machine_by_key(s, key)))
    lan = outcome.lan
    assert lan is not None
    return IpmiApplyOut(
        **saved.model_dump(),
        netmask=lan.netmask,
        gateway=lan.gateway,
        vlan=lan.vlan,
        quirks=outcome.run.quirk.name,
        steps=[SetupStepOut(**vars(step)) for step in outcome.steps],
    )


class LiveRunOut(Output):
    serial: str
    quirks: str = Field(description="The vendor entry of the BMC quirks file that was used")
    steps: list[SetupStepOut]
    output: str = Field("", description="What the vendor tool printed")


def _run_out(outcome: bmc_live.Outcome) -> LiveRunOut:
    return LiveRunOut(
        serial=outcome.run.serial,
        quirks=outcome.run.quirk.name,
        steps=[SetupStepOut(**vars(step)) for step in outcome.steps],
        output=outcome.output,
    )


@bp.post("/machines/<key>/ipmi/renew-password")
@endpoint(
    "Give the stored BMC user a new generated password, set with ipmitool in the machine's "
    "live system (machine-renew-ipmi-password); saved once the BMC took it, never shown",
    tag=TAG,
    response=LiveRunOut,
    errors=(502,),
)
def renew_ipmi_password(key: str) -> LiveRunOut:
    settings, ssh_key = _live_settings()
    outcome = bmc_live.renew_password(
        write,
        key,
        bmc_quirks.load_quirks(settings.bmc_quirks_file),
        ssh_port=settings.live_ssh_port,
        ssh_key=ssh_key,
        bmc_timeout=settings.bmc_timeout,
        vault=vault(),
    )
    return _run_out(outcome)


@bp.post("/machines/<key>/hpe/ilo-license")
@endpoint(
    "Install the iLO licence of the live image with hponcfg (machine-hpe-ilo-license-install); "
    "for machines whose BMC quirks entry says hponcfg",
    tag=TAG,
    response=LiveRunOut,
    errors=(502,),
)
def hpe_ilo_license(key: str) -> LiveRunOut:
    settings, ssh_key = _live_settings()
    quirks = bmc_quirks.load_quirks(settings.bmc_quirks_file)
    return _run_out(
        bmc_live.hponcfg_license(
            write, key, quirks, ssh_port=settings.live_ssh_port, ssh_key=ssh_key
        )
    )


@bp.post("/machines/<key>/hpe/ipmi-over-lan")
@endpoint(
    "Turn on IPMI over LAN of an HPE iLO with hponcfg in the live system "
    "(machine-hpe-activate-ipmi-over-lan)",
    tag=TAG,
    response=LiveRunOut,
    errors=(502,),
)
def hpe_ipmi_over_lan(key: str) -> LiveRunOut:
    settings, ssh_key = _live_settings()
    quirks = bmc_quirks.load_quirks(settings.bmc_quirks_file)
    return _run_out(
        bmc_live.hponcfg_ipmi_over_lan(
            write, key, quirks, ssh_port=settings.live_ssh_port, ssh_key=ssh_key
        )
    )


class IpmiCheckQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cluster: str | None = Field(None, max_length=64, description="Only this cluster's machines")
    status: MachineStatus | None = Field(None, description="Only machines in this status")
    serial: str | None = Field(
        None, max_length=128, description="Only serials matching this shell pattern (fnmatch)"
    )


class IpmiCheckOut(Output):
    serial: str | None
    hostname: str | None
    address: str | None
    port: int | None
    datacenter: str | None
    row: str | None
    rack: str | None
    u_position: int | None
    ok: bool = Field(description="The BMC answered a power status query with the stored login")
    power: str | None
    error: str | None


class IpmiCheckList(Output):
    items: list[IpmiCheckOut]
    total: int


# BMCs checked at once: each waits up to bmc_timeout; a BMC network is slow.
CHECK_WORKERS = 8
# The whole check answers within this (well under the server's worker limit and
# ocicli's wait); BMCs not reached by then say NOT_CHECKED.
CHECK_DEADLINE = 45.0
NOT_CHECKED = "not checked: time limit"


@bp.get("/ipmi-checks")
@endpoint(
    "Ask every machine's BMC (or those of a cluster, a status, serials) for its power "
    "status with the stored login (check-all-ipmi); each is bounded by bmc_timeout, the "
    "whole by 45 s (BMCs not reached by then: 'not checked: time limit'). Admins only: "
    "the server decrypts every stored BMC password to log in",
    tag=TAG,
    access=Access.WRITE,
    query=IpmiCheckQuery,
    response=IpmiCheckList,
)
def check_all_ipmi(query: IpmiCheckQuery) -> IpmiCheckList:
    session, the_vault = db(), vault()
    timeout = app_settings().bmc_timeout
    stmt = select(Machine).order_by(Machine.serial, Machine.id)
    if query.cluster is not None:
        stmt = stmt.join(Cluster, Cluster.id == Machine.cluster_id).where(
            Cluster.name == query.cluster
        )
    if query.status is not None:
        stmt = stmt.where(Machine.status == query.status)
    rows = [
        m
        for m in session.scalars(stmt)
        if query.serial is None or fnmatch.fnmatchcase(m.serial or "", query.serial)
    ]
    checks: list[tuple[IpmiCheckOut, bmc.BmcAccess | None]] = []
    for m in rows:
        b = m.bmc
        out = IpmiCheckOut(
            serial=m.serial,
            hostname=m.hostname,
            address=b.ipmi_address if b else None,
            port=b.ipmi_port if b else None,
            datacenter=m.datacenter,
            row=m.row,
            rack=m.rack,
            u_position=m.u_position,
            ok=False,
            power=None,
            error=None,
        )
        try:
            checks.append((out, bmc_credentials.access_for(m, the_vault, timeout)))
        except Invalid:
            out.error = "no BMC credentials stored (machine-set-ipmi)"
            checks.append((out, None))

    def check(item: tuple[IpmiCheckOut, bmc.BmcAccess | None]) -> IpmiCheckOut:
        out, access = item
        if access is None:
            return out
        try:
            out.power = bmc.power_state(access)
            out.ok = True
        except bmc.BmcError as exc:
            out.error = exc.message
        return out

    pool = ThreadPoolExecutor(max_workers=CHECK_WORKERS)
    try:
        futures = [pool.submit(check, item) for item in checks]
        wait(futures, timeout=CHECK_DEADLINE)
        items = [
            future.result()
            if future.done()
            # A copy: a check still running may write to its own.
            else out.model_copy(update={"ok": False, "power": None, "error": NOT_CHECKED})
            for future, (out, _) in zip(futures, checks, strict=True)
        ]
    finally:
        # Checks not started are dropped; running ones end within bmc_timeout.
        pool.shutdown(wait=False, cancel_futures=True)
    return IpmiCheckList(items=items, total=len(items))
