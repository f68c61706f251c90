"""/api/v1/machines/<key>/install, /install-log, /reboot: installing a machine over SSH.

machine-install-os moves the machine to `installing` (so the installer's own
`installed` report is a valid next step), then pushes the bundle and starts
the installer in the live system. If that SSH step fails, the machine is
marked `install-failed` with the reason and the call answers 502.
"""

from __future__ import annotations

from typing import Literal

import paramiko
from flask import Blueprint, g
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from oci import remote
from oci.api.boot import server_url
from oci.api.common import Host, Input, Output
from oci.api.endpoint import endpoint
from oci.api.session import app_settings, db, write
from oci.bmc import setup as bmc_setup
from oci.errors import Conflict
from oci.install import inputs, plan, run
from oci.inventory import machines as inventory
from oci.inventory import status as machine_status
from oci.models import Machine, MachineStatus

bp = Blueprint("install", __name__)
TAG = "install"

# States in which the live system runs (its DHCP address is where it reported from).
LIVE_STATES = {MachineStatus.LIVE, MachineStatus.INSTALLING, MachineStatus.INSTALL_FAILED}


class Reach(Input):
    address: Host | None = Field(
        None,
        description="Where to SSH to; default: the address its live system reported from, "
        "or its first cluster address once installed",
    )
    port: int | None = Field(
        None, ge=1, le=65535, description="SSH port; default: the live_ssh_port setting (22)"
    )


class InstallOut(Output):
    serial: str | None
    hostname: str | None
    status: MachineStatus
    reached: str = Field(description="user@address:port the bundle went to")
    log: str = Field(description="The installer's log file in the live system")


class LogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offset: int = Field(0, ge=0, le=2**40, description="Byte of the log to start from")
    address: Host | None = None
    port: int | None = Field(None, ge=1, le=65535)


class LogOut(Output):
    serial: str | None
    status: MachineStatus
    text: str
    offset: int = Field(description="Ask from here for what follows")
    size: int = Field(description="The whole log's size now, in bytes")


class RebootIn(Reach):
    boot: Literal["live", "hdd"] = Field(
        description="live: the discovery image (the machine's state goes back to live); "
        "hdd: the installed system (the machine must be installed)"
    )


class RebootOut(Output):
    serial: str | None
    status: MachineStatus
    reached: str


def _server_key() -> paramiko.PKey:
    return remote.server_key(app_settings().ssh_key_file)


def _caller() -> str:
    """Who asked, for the events (the route needs an admin's credentials)."""
    return g.caller.login if g.get("caller") is not None else "?"


def target_of(session: Session, machine: Machine, reach: Reach | LogQuery) -> remote.Target:
    """How to SSH to the machine: where its live system reported from, or once
    installed its first host address; its host keys pinned either way."""
    port = reach.port or app_settings().live_ssh_port
    hosts = sorted(ip.address for ip in machine.ip_addresses if ip.purpose == "host")
    if reach.address is None and (machine.status in LIVE_STATES or not hosts):
        return machine_status.live_target(session, machine, port)
    keys = tuple(k.public_key for k in machine.ssh_host_keys)
    return remote.Target(reach.address or hosts[0], keys, port=port)


@bp.post("/machines/<key>/install")
@endpoint(
    "Install the OS from the live system (machine-install-os): push the node's bundle over "
    "SSH and start the installer; follow it with /install-log",
    tag=TAG,
    body=Reach,
    response=InstallOut,
    status=202,
    errors=(502,),
)
def install(key: str, body: Reach) -> InstallOut:
    settings = app_settings()
    who = _caller()

    def begin(session: Session) -> tuple[bytes, remote.Target, int]:
        machine = inventory.locked_machine_by_key(session, key)
        # Not while a wipe, a RAID build or a BMC set-up holds the machine.
        bmc_setup.refuse_if_running(
            machine, machine.serial or key, then="install once it has ended"
        )
        # Everything the bundle needs is checked before the state changes.
        files = plan.bundle_files(inputs.gather(session, machine, settings, api_url=server_url()))
        target = target_of(session, machine, body)
        machine_status.change_status(
            session,
            key,
            MachineStatus.INSTALLING,
            message=f"machine-install-os by {who} via {target.where}",
        )
        return plan.bundle_tar(files), target, machine.id

    bundle, target, machine_id = write(begin)
    try:
        run.start(target, _server_key(), bundle, plan.REMOTE_DIR, plan.command())
    except remote.RemoteError as exc:
        reason = f"not started: {exc.message}"
        write(
            lambda s: machine_status.change_status(
                s, key, MachineStatus.INSTALL_FAILED, message=reason
            )
        )
        raise
    machine = db().get(Machine, machine_id)
    assert machine is not None
    return InstallOut(
        serial=machine.serial,
        hostname=machine.hostname,
        status=machine.status,
        reached=target.where,
        log=run.LOG,
    )


@bp.get("/machines/<key>/install-log")
@endpoint(
    "The installer's log from a byte offset (machine-install-log follows it)",
    tag=TAG,
    query=LogQuery,
    response=LogOut,
    errors=(502,),
)
def install_log(key: str, query: LogQuery) -> LogOut:
    session = db()
    machine = inventory.machine_by_key(session, key)
    target = target_of(session, machine, query)
    status, serial = machine.status, machine.serial
    session.rollback()  # no transaction held open across the SSH round trip
    chunk = run.read_log(target, _server_key(), query.offset)
    return LogOut(
        serial=serial, status=status, text=chunk.text, offset=chunk.offset, size=chunk.size
    )


@bp.post("/machines/<key>/reboot")
@endpoint(
    "Reboot a machine over SSH on the live image or its installed disk "
    "(machine-reboot-on-live / -on-hdd)",
    tag=TAG,
    body=RebootIn,
    response=RebootOut,
    errors=(502,),
)
def reboot(key: str, body: RebootIn) -> RebootOut:
    who = _caller()

    def decide(session: Session) -> tuple[remote.Target, RebootOut]:
        machine = inventory.machine_by_key(session, key)
        # The target first: the live system is reached where it reported from.
        target = target_of(session, machine, body)
        if body.boot == "live":
            if machine.status != MachineStatus.LIVE:
                machine = machine_status.change_status(
                    session, key, MachineStatus.LIVE, message=f"machine-reboot-on-live by {who}"
                )
        elif machine.status in LIVE_STATES:
            raise Conflict(
                f"machine {machine.serial} is {machine.status.value}: there is no installed "
                "system to boot (wait for `installed`, or run machine-install-os)",
                {"status": machine.status.value},
            )
        return target, RebootOut(serial=machine.serial, status=machine.status, reached=target.where)

    target, out = write(decide)
    run.reboot(target, _server_key())
    return out
