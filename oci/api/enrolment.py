"""/api/v1/machines/<serial>/...: machine-add, machine-remove, machine-destroy, machine-set."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint
from pydantic import Field, StringConstraints

from oci.api.common import Input, Name, Output, Ref, patch_of, ref
from oci.api.endpoint import endpoint
from oci.api.session import db, pki, vault, write
from oci.enrolment import ipam
from oci.enrolment import machines as enrolment
from oci.enrolment.options import Label, MachineSettings
from oci.models import IpAddress, Machine

bp = Blueprint("enrolment", __name__)
TAG = "machines"


class MachineAdd(Input):
    cluster: Name
    role: Annotated[str, StringConstraints(max_length=32)] = Field(examples=["controller"])
    location: Name
    fixed_ip: Annotated[str, StringConstraints(max_length=45)] | None = Field(
        None,
        description="OCI's --fixed-ip: take this address on the network that contains it, "
        "instead of its first free one",
        examples=["192.168.101.50"],
    )


class AddressOut(Output):
    network: Ref
    address: str
    interfaces: list[str] = Field(
        description="The machine's NICs the network's interfaces designate (two: a bond)"
    )


class EnrolmentOut(Output):
    serial: str | None
    hostname: str | None
    cluster: Ref | None
    role: str | None
    location: Ref | None
    is_first_master: bool
    addresses: list[AddressOut]
    warnings: list[str] = Field(
        description="What will need attention before installing, e.g. a speed class "
        "that designates no NIC of this machine"
    )


MachineSet = patch_of(
    "MachineSet",
    MachineSettings,
    datacenter=(Label | None, Field(None, description="Datacenter")),
    row=(Label | None, Field(None, description="Row of racks")),
    rack=(Label | None, Field(None, description="Rack")),
    u_position=(int | None, Field(None, ge=1, le=64, description="Lowest U of the machine")),
)


class MachineSettingsOut(Output):
    serial: str | None
    hostname: str | None
    datacenter: str | None
    row: str | None
    rack: str | None
    u_position: int | None
    settings: dict[str, Any] = Field(description="machine-set options, defaults filled in")


def _by_network(ip: IpAddress) -> str:
    return ip.network.name


def enrolment_out(machine: Machine) -> EnrolmentOut:
    nics = [ipam.NicSpeed(nic.name, nic.speed_mbps, nic.physical) for nic in machine.nics]
    addresses: list[AddressOut] = []
    warnings: list[str] = []
    hosts = [ip for ip in machine.ip_addresses if ip.purpose == "host"]  # not its BMC's
    for ip in sorted(hosts, key=_by_network):
        network = ip.network
        interfaces, missing = ipam.resolve_interfaces((network.iface1, network.iface2), nics)
        warnings += [f"network {network.name}: no NIC of this machine is {t!r}" for t in missing]
        network_ref = ref(network, "networks.show")
        assert network_ref is not None
        addresses.append(AddressOut(network=network_ref, address=ip.address, interfaces=interfaces))
    if machine.cluster is not None and not addresses:
        warnings.append(
            f"no address: no network of cluster {machine.cluster.name} in location "
            f"{machine.location.name if machine.location else '?'} serves role "
            f"{machine.role.name if machine.role else '?'} (see network-add)"
        )
    return EnrolmentOut(
        serial=machine.serial,
        hostname=machine.hostname,
        cluster=ref(machine.cluster, "clusters.show"),
        role=machine.role.name if machine.role else None,
        location=ref(machine.location, "locations.show"),
        is_first_master=machine.is_first_master,
        addresses=addresses,
        warnings=warnings,
    )


def settings_out(machine: Machine) -> MachineSettingsOut:
    return MachineSettingsOut(
        serial=machine.serial,
        hostname=machine.hostname,
        datacenter=machine.datacenter,
        row=machine.row,
        rack=machine.rack,
        u_position=machine.u_position,
        settings=enrolment.effective_settings(machine).model_dump(mode="json"),
    )


@bp.post("/machines/<serial>/enrolment")
@endpoint(
    "Add a machine to a cluster with a role (machine-add): host name, addresses, first master",
    tag=TAG,
    body=MachineAdd,
    response=EnrolmentOut,
    status=201,
)
def add(serial: str, body: MachineAdd) -> EnrolmentOut:
    the_vault = vault()
    out = write(
        lambda s: enrolment_out(
            enrolment.add_machine(
                s,
                serial,
                body.cluster,
                body.role,
                body.location,
                vault=the_vault,
                fixed_ip=body.fixed_ip,
            )
        )
    )
    # After the commit: a retried transaction must not issue twice. The node
    # certificate names the host and its addresses (VIPs are not the node's).
    assert out.hostname is not None
    pki().issue_node(out.hostname, [a.address for a in out.addresses])
    return out


@bp.get("/machines/<serial>/enrolment")
@endpoint("Show a machine's cluster, role, host name and addresses", tag=TAG, response=EnrolmentOut)
def show(serial: str) -> EnrolmentOut:
    return enrolment_out(enrolment.machine_by_serial(db(), serial))


@bp.delete("/machines/<serial>/enrolment")
@endpoint(
    "Take a machine out of its cluster (machine-remove); its addresses are freed, "
    "its BMC's address kept",
    tag=TAG,
    status=204,
)
def remove(serial: str) -> tuple[str, int]:
    hostname = enrolment.machine_by_serial(db(), serial).hostname
    write(lambda s: enrolment.remove_machine(s, serial))
    if hostname:
        pki().forget_node(hostname)
    return "", 204


# <key> as in GET /machines/<key>, one path in the OpenAPI document; here it is a serial.
@bp.delete("/machines/<key>")
@endpoint(
    "Forget a machine, by serial (machine-destroy); it reappears if it reports again",
    tag=TAG,
    status=204,
)
def destroy(key: str) -> tuple[str, int]:
    write(lambda s: enrolment.destroy_machine(s, key))
    return "", 204


@bp.get("/machines/<serial>/settings")
@endpoint("Show a machine's machine-set options", tag=TAG, response=MachineSettingsOut)
def show_settings(serial: str) -> MachineSettingsOut:
    return settings_out(enrolment.machine_by_serial(db(), serial))


@bp.patch("/machines/<serial>/settings")
@endpoint(
    "Set machine options (machine-set): RAID, serial console, place, Ceph, CPU model, GPUs",
    tag=TAG,
    body=MachineSet,
    response=MachineSettingsOut,
)
def set_settings(serial: str, body: Any) -> MachineSettingsOut:
    return write(lambda s: settings_out(enrolment.set_machine(s, serial, body.changes())))
