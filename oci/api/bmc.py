"""/api/v1/machines/<key>/ipmi, /ipmi/setup, /power, /bootdev: a machine's BMC.

Every call that reaches a BMC is bounded by the `bmc_timeout` setting (see
oci/bmc/ipmi.py): a dead BMC is a 504 with its address, a refusing one a 502 with
its reason, and the server never waits longer.
"""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from oci import remote
from oci.api.common import Host, Input, Output
from oci.api.endpoint import Access, endpoint
from oci.api.session import app_settings, db, vault, write
from oci.bmc import credentials as bmc_credentials
from oci.bmc import ipmi as bmc
from oci.bmc import quirks as bmc_quirks
from oci.bmc import setup as bmc_setup
from oci.inventory import machines as inventory
from oci.inventory import status as machine_status
from oci.models import Machine, MachineStatus

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
        machine = inventory.machine_by_key(session, key)
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
@endpoint("Ask a machine's BMC for its power state", tag=TAG, response=PowerOut)
def power_status(key: str) -> PowerOut:
    machine, access = bmc_access(key)
    return PowerOut(serial=machine.serial, power=bmc.power_state(access))


@bp.post("/machines/<key>/power")
@endpoint(
    "Power a machine on, off (hard), soft (ACPI), cycle or reset through its BMC",
    tag=TAG,
    body=PowerIn,
    response=PowerOut,
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
)
def reboot_on_live(key: str, body: RebootIn) -> PowerOut:
    return reboot(key, "pxe", body.uefi)


@bp.post("/machines/<key>/reboot-on-hdd")
@endpoint(
    "Boot a machine from its installed disk and power-cycle it",
    tag=TAG,
    body=RebootIn,
    response=PowerOut,
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
