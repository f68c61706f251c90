# Writes: a machine's host addresses (machine-ip-add, machine-ip-remove).
"""OCI's machine-ip-add and machine-ip-remove: an address chosen by the operator.

machine-add gives an enrolled machine the first free address of each network
that serves its role. These give it one more, by hand: on another network of
its cluster (a storage network its role does not use, say), and take it back.
The address machine-add gave stays: freed, the next machine-add would give it
to another machine while this one still uses it (machine-replace moves a
machine's addresses to another). The address is a host address like the others, so it
reaches the installer, the ENC, the node certificate at the next machine-add
and the hooks' documents.

Refused, with nothing changed: an address outside the network's usable range
(its network, broadcast and gateway addresses are not), one already held, a
public network (it holds the cluster's VIPs only), a network of another
cluster, a machine in no cluster, and a second address of one machine on one
network (one interface address per network is what the installer configures).
"""

from __future__ import annotations

import ipaddress

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.enrolment import ipam
from oci.errors import Conflict, Invalid, NotFound
from oci.models import IpAddress, Machine, Network

__all__ = [
    "add_address",
    "check_fixed_ip",
    "is_usable",
    "parse_address",
    "remove_address",
    "take_fixed",
]


def _name(machine: Machine) -> str:
    return machine.serial or str(machine.id)


def parse_address(text: str, field: str = "address") -> ipam.IPAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError as exc:
        raise Invalid(
            f"{text!r} is not an IP address", {"fields": {field: "not an IPv4 or IPv6 address"}}
        ) from exc


def is_usable(network: ipam.IPNetwork, address: ipam.IPAddress) -> bool:
    """Would ipam.usable_hosts yield ``address``? Asked without walking a /64."""
    if address not in network:
        return False
    if network.num_addresses <= 2:  # /31, /32, /127, /128: every address is a host
        return True
    excluded = {network.network_address, network.network_address + 1}  # the gateway too
    if network.version == 4:
        excluded.add(network.broadcast_address)
    return address not in excluded


def check_fixed_ip(network: Network, address: ipam.IPAddress, field: str) -> str:
    """``address`` as stored (compressed) if ``network`` may give it to a machine."""
    net = network.ip_network
    if address not in net:
        raise Invalid(
            f"{address} is not in network {network.name!r} ({network.cidr})",
            {"fields": {field: f"not in {network.cidr}"}},
        )
    if not is_usable(net, address):
        raise Invalid(
            f"{address} is not a usable address of network {network.name!r} ({network.cidr}): "
            "its network, broadcast and gateway (first host) addresses are not",
            {"fields": {field: "not a usable host address"}},
        )
    return str(address)


def _holder(session: Session, network: Network, address: str) -> str | None:
    """Who holds ``address`` on ``network``, in words; None if it is free."""
    row = session.scalar(
        select(IpAddress).where(IpAddress.network_id == network.id, IpAddress.address == address)
    )
    if row is None:
        return None
    if row.machine is not None:
        return f"machine {row.machine.hostname or _name(row.machine)} ({row.purpose})"
    return f"the cluster's {row.vip_usage or ''} VIP".replace("  ", " ")


def take_fixed(session: Session, network: Network, address: str, machine: Machine) -> None:
    """Give ``machine`` ``address`` (checked by check_fixed_ip) on ``network``, locked."""
    holder = _holder(session, network, address)
    if holder is not None:
        raise Conflict(
            f"{address} is already held by {holder} on network {network.name!r}; "
            "nothing was changed",
            {"network": network.name, "address": address},
        )
    session.add(
        IpAddress(network_id=network.id, address=address, machine_id=machine.id, purpose="host")
    )


def add_address(session: Session, machine: Machine, network_name: str, text: str) -> IpAddress:
    """machine-ip-add: ``machine`` (locked by the caller) gets ``text`` on the network."""
    address = parse_address(text)
    network = session.scalar(select(Network).where(Network.name == network_name).with_for_update())
    if network is None:
        raise NotFound(f"no network named {network_name!r}")
    if machine.cluster_id is None:
        raise Conflict(
            f"machine {_name(machine)} is in no cluster: machine-add it first "
            "(its addresses belong to its cluster's networks)"
        )
    if network.cluster_id != machine.cluster_id:
        raise Conflict(
            f"network {network_name!r} is not a network of cluster "
            f"{machine.cluster.name if machine.cluster else '?'}: network-add it to the "
            "cluster first"
        )
    if network.is_public:
        raise Conflict(
            f"network {network_name!r} is public: it holds the cluster's VIPs, no machine's address"
        )
    stored = check_fixed_ip(network, address, "address")
    held = [ip for ip in machine.ip_addresses if ip.network_id == network.id]
    if held:
        raise Conflict(
            f"machine {_name(machine)} already has {held[0].address} on network "
            f"{network_name!r}; machine-ip-remove it first"
        )
    take_fixed(session, network, stored, machine)
    session.flush()
    session.refresh(machine)
    return next(ip for ip in machine.ip_addresses if ip.address == stored)


def remove_address(session: Session, machine: Machine, text: str) -> None:
    """machine-ip-remove: ``machine`` (locked) no longer holds ``text``."""
    address = str(parse_address(text))
    found = [ip for ip in machine.ip_addresses if ip.address == address]
    if not found:
        raise NotFound(f"machine {_name(machine)} holds no address {address}; see machine-ip-list")
    ip = found[0]
    if ip.purpose == "bmc":
        raise Conflict(
            f"{address} is the address of machine {_name(machine)}'s BMC, which keeps it: "
            "change it with machine-set-ipmi"
        )
    if _given_by_machine_add(machine, ip):
        raise Conflict(
            f"{address} is machine {_name(machine)}'s address on network {ip.network.name!r}: "
            f"machine-add gave it for role {machine.role.name if machine.role else '?'}, and "
            "freed, the next machine-add would give it to another machine; only addresses "
            "added with machine-ip-add can be removed. To move the machine, use "
            "machine-replace, or machine-remove and machine-add it again"
        )
    session.delete(ip)
    session.flush()


def _given_by_machine_add(machine: Machine, ip: IpAddress) -> bool:
    """Is ``ip`` the host address machine-add gives ``machine`` (one per network
    of its cluster and location serving its role)? machine-ip-add gives one on
    another network only: on such a network the machine already has machine-add's."""
    network = ip.network
    return (
        ip.purpose == "host"
        and machine.role is not None
        and network.cluster_id == machine.cluster_id
        and network.location_id == machine.location_id
        and ipam.gives_host_address(network, machine.role.name)
    )
