"""Clusters for ENC tests, built through the real topology and enrolment code."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.enc import document, loader, served
from oci.enrolment import clusters as topology
from oci.enrolment import machines as enrolment
from oci.models import Location, SwiftRegion
from oci.security.vault import Vault
from tests.helpers import factories

MODULE_PATH = (Path("/usr/share/puppet/modules"),)
# The reference cluster of the ENC issue, and the Swift-only cluster linked to it.
REFERENCE = {
    "controller": 3,
    "network": 2,
    "compute": 4,
    "cephmon": 3,
    "cephosd": 3,
    "swiftproxy": 2,
    "swiftstore": 3,
    "volume": 2,
    "messaging": 3,
}
SWIFT_ONLY = {"swiftproxy": 2, "swiftstore": 3}
GPUS = [
    {"name": "t4", "vendor_id": "10de", "product_id": "1eb8", "device_type": "type-PCI"},
    {
        "name": "a100",
        "vendor_id": "10de",
        "product_id": "20b5",
        "device_type": "type-PF",
        "vfio_ids": ["10de:20b5", "10de:1af1"],
    },
]


def location(session: Session, name: str = "zone1", region: str = "region1") -> None:
    if session.scalar(select(SwiftRegion.id).where(SwiftRegion.name == region)) is None:
        topology.create_swift_region(session, region)
    if session.scalar(select(Location.id).where(Location.name == name)) is None:
        topology.create_location(session, name, region)


def cluster(
    session: Session,
    vault: Vault,
    name: str,
    index: int = 1,
    *,
    zone: str = "zone1",
    public_role: str | None = "controller",
    ceph_network: bool = False,
    options: dict[str, Any] | None = None,
) -> None:
    """A cluster with a management network for every role and, for ``public_role``, a
    public network holding the VIP. ``index`` keeps the address ranges of clusters apart."""
    location(session, zone)
    topology.create_cluster(session, name, "example.com", vault)
    _vaults[name] = vault
    mgmt = ipaddress.ip_network(f"10.{index}.0.0/22")
    topology.create_network(session, f"{name}-mgmt", str(mgmt.network_address), 22, zone, False)
    topology.attach_network(session, f"{name}-mgmt", name, "all", "eno1", None)
    if public_role is not None:
        topology.create_network(session, f"{name}-public", f"192.0.{index}.0", 24, zone, True)
        topology.attach_network(session, f"{name}-public", name, public_role, "eno2", None)
    if ceph_network:
        topology.create_network(session, f"{name}-ceph", f"10.{index}.8.0", 24, zone, False)
        topology.attach_network(session, f"{name}-ceph", name, "ceph-cluster", "25g1", "25g2")
    if options:
        topology.set_cluster_options(session, name, options)
    session.flush()


# The vault each cluster of ``cluster()`` was made with: enrol() encrypts the
# machines' root keys with the same one, as the server does with its one key.
_vaults: dict[str, Vault] = {}


def enrol(
    session: Session,
    name: str,
    role: str,
    count: int,
    zone: str = "zone1",
    *,
    vault: Vault | None = None,
) -> list[str]:
    """``count`` new machines added to cluster ``name`` as ``role``: their host names.
    ``vault`` defaults to the one ``cluster()`` made cluster ``name`` with."""
    the_vault = vault or _vaults[name]
    names = []
    for _ in range(count):
        serial = f"{name}-{role}-{_next_serial()}"
        factories.machine(session, serial)
        added = enrolment.add_machine(session, serial, name, role, zone, vault=the_vault)
        names.append(str(added.hostname))
    return names


_serial = [0]


def _next_serial() -> int:
    _serial[0] += 1
    return _serial[0]


def build(session: Session, name: str, roles: dict[str, int]) -> dict[str, list[str]]:
    return {role: enrol(session, name, role, count) for role, count in roles.items()}


def reference(session: Session, vault: Vault) -> dict[str, dict[str, list[str]]]:
    """The reference cluster cl1 (with GPUs on one compute) and Swift-only swift1 linked to it."""
    cluster(session, vault, "swift1", 2, public_role="swiftproxy")
    built = {"swift1": build(session, "swift1", SWIFT_ONLY)}
    cluster(
        session,
        vault,
        "cl1",
        1,
        ceph_network=True,
        options={"remote_swift_cluster": "swift1", "cpu_model": "EPYC-Rome"},
    )
    built["cl1"] = build(session, "cl1", REFERENCE)
    gpu_compute = built["cl1"]["compute"][0]
    enrolment.set_machine(session, serial_of(session, gpu_compute), {"gpus": GPUS})
    session.commit()
    return built


def serial_of(session: Session, hostname: str) -> str:
    from oci.models import Machine

    return str(session.scalar(select(Machine.serial).where(Machine.hostname == hostname)))


def enc(session: Session, vault: Vault, fqdn: str, overrides: Any = None) -> dict[str, Any]:
    """The node's document, as the route builds it (checked against the installed module)."""
    checked = served.installed_interface(MODULE_PATH)
    return document.build(loader.load(session, fqdn, vault), overrides, checked)


def params(session: Session, vault: Vault, fqdn: str) -> dict[str, Any]:
    """The class parameters of the node's role."""
    classes = enc(session, vault, fqdn)["classes"]
    return list(classes.values())[-1]


def management_addresses(session: Session) -> dict[str, str]:
    """Host name -> the machine's address on its cluster's management network."""
    from oci.models import IpAddress, Machine, Network

    rows = session.execute(
        select(Machine.hostname, IpAddress.address)
        .join(IpAddress, IpAddress.machine_id == Machine.id)
        .join(Network, Network.id == IpAddress.network_id)
        .where(Network.name.like("%-mgmt"), IpAddress.purpose == "host")
    ).all()
    return {str(hostname): str(address) for hostname, address in rows}
