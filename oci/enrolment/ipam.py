# Writes: IP addresses (allocate and reserve_vip; the rest is pure).
"""Addresses and names of enrolment: host names, which networks serve a role, free
addresses and NIC speed classes (pure), and its writes in the caller's
transaction: `allocate` (a machine's or its BMC's address) and `reserve_vip`
(one of the cluster's VIPs).

OCI's rule: a machine takes addresses on non-public networks only; a public
network holds the cluster's VIPs (the API's; on a /32, its one address).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.errors import Conflict
from oci.models import IpAddress, Machine, Network

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_HOSTNAME = 253

# Network roles whose networks carry a host address for these machine roles.
_ROLE_GROUPS: dict[str, frozenset[str]] = {
    "vm-net": frozenset({"compute", "network", "controller"}),
    "ceph-cluster": frozenset({"cephosd"}),
    "ovs-bridge": frozenset(),  # a bridge for VM traffic: no host address
    "ipmi": frozenset(),  # BMC addresses, set up with IPMI, not by machine-add
}

SPEED_CLASS = re.compile(r"^(?P<gbits>[1-9][0-9]{0,2})g(?P<index>[1-9][0-9]?)$")
# A Linux interface name (IFNAMSIZ: at most 15 characters).
INTERFACE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,14}$")


def host_name(cluster: str, role: str, number: int, domain: str) -> str:
    """OCI's host names: CLUSTER-ROLE-N.DOMAIN."""
    return f"{cluster}-{role}-{number}.{domain}"


def serves(network_role: str | None, machine_role: str) -> bool:
    """Does a network attached with ``network_role`` give a ``machine_role`` an address?"""
    if network_role is None:
        return False
    if network_role == "all":
        return True
    if network_role in _ROLE_GROUPS:
        return machine_role in _ROLE_GROUPS[network_role]
    return network_role == machine_role


def usable_hosts(network: IPNetwork) -> Iterable[IPAddress]:
    """Addresses a machine or a VIP may take: the first host address is the gateway's."""
    hosts: Iterator[IPAddress] = iter(network.hosts())
    if network.num_addresses > 2:
        next(hosts, None)
    return hosts


def usable_count(network: IPNetwork) -> int:
    """How many addresses ``usable_hosts`` yields."""
    if network.num_addresses <= 2:  # /31, /32, /127, /128: every address is a host
        return network.num_addresses
    # IPv4 loses its network and broadcast addresses, IPv6 its subnet-router
    # anycast address; both lose the gateway.
    return network.num_addresses - (3 if network.version == 4 else 2)


def first_free(
    network: IPNetwork,
    taken: Collection[str],
    first: str | None = None,
    last: str | None = None,
) -> IPAddress | None:
    """The lowest usable address of ``network`` not in ``taken``, within
    [``first``, ``last``] when given (OCI's network-set --first-ip/--last-ip);
    None when it is full."""
    used = {ipaddress.ip_address(a) for a in taken}
    if first is None and last is None and len(used) >= usable_count(network):
        return None
    # Compared as integers: the range is of the network's own IP version.
    low = int(ipaddress.ip_address(first)) if first else None
    high = int(ipaddress.ip_address(last)) if last else None
    for address in usable_hosts(network):
        if low is not None and int(address) < low:
            continue
        if high is not None and int(address) > high:
            return None
        if address not in used:
            return address
    return None


def range_of(network: Network) -> tuple[str | None, str | None]:
    """The address range hosts take addresses in (None: the network's bound)."""
    return network.first_ip, network.last_ip


def check_interface(token: str) -> str:
    """``token`` if it is an interface name or a speed class (``10g1``), else ValueError."""
    if SPEED_CLASS.match(token) or INTERFACE_NAME.match(token):
        return token
    raise ValueError(
        f"{token!r} is neither an interface name (eno1, ens1f0) "
        "nor a speed class (10g1: the first NIC of at least 10 Gbit/s)"
    )


@dataclass(frozen=True)
class NicSpeed:
    name: str
    speed_mbps: int | None
    # Speed classes count network cards only: a bond reports its members'
    # summed speed, a BMC USB NIC is no data port.
    physical: bool = True


def _natural(name: str) -> list[object]:
    # Runs of ASCII digits at odd places (\d and isdigit() take other digits, which
    # int() refuses or reads as ASCII ones): eno2 before eno10, "eth1²" no crash.
    return [int(p) if i % 2 else p for i, p in enumerate(re.split(r"([0-9]+)", name))]


def resolve_interface(token: str, nics: Sequence[NicSpeed]) -> str | None:
    """The NIC name that ``token`` designates on a machine with ``nics``.

    A name designates itself if the machine has it. ``NgK`` designates the K-th
    NIC (in natural name order: eno2 before eno10) of at least N Gbit/s.
    """
    match = SPEED_CLASS.match(token)
    if match is None:
        return token if any(nic.name == token for nic in nics) else None
    floor = int(match["gbits"]) * 1000
    fast = sorted(
        (
            nic.name
            for nic in nics
            if nic.physical and nic.speed_mbps is not None and nic.speed_mbps >= floor
        ),
        key=_natural,
    )
    index = int(match["index"])
    return fast[index - 1] if index <= len(fast) else None


def resolve_interfaces(
    tokens: Iterable[str | None], nics: Sequence[NicSpeed]
) -> tuple[list[str], list[str]]:
    """A network's iface1 and iface2 on a machine: the NIC names they designate,
    and the tokens that designate none (which the caller refuses or warns of)."""
    found: list[str] = []
    missing: list[str] = []
    for token in tokens:
        if token is None:
            continue
        nic = resolve_interface(token, nics)
        if nic is None:
            missing.append(token)
        else:
            found.append(nic)
    return found, missing


def gives_host_address(network: Network, machine_role: str) -> bool:
    """Does ``network`` give a machine of ``machine_role`` an address? Never a public
    network: it holds the cluster's VIPs only (its role says which cluster's
    machines use it, as OCI)."""
    return not network.is_public and serves(network.role, machine_role)


def holds_vip(network: Network, usage: str) -> bool:
    """Can ``network`` hold the cluster's ``usage`` VIP? The API's on a public
    network; the SQL one on a management network of the sql machines (one that
    gives them an address: role ``sql`` or ``all``)."""
    if usage == "api":
        return network.is_public
    if usage == "sql":
        return gives_host_address(network, "sql")
    return False


def _full(network: Network, for_what: str) -> Conflict:
    return Conflict(
        f"network {network.name!r} ({network.cidr}) has no free address left "
        f"for {for_what}; nothing was changed",
        {"network": network.name},
    )


def _take(session: Session, network: Network, for_what: str) -> str:
    taken = session.scalars(select(IpAddress.address).where(IpAddress.network_id == network.id))
    address = first_free(network.ip_network, list(taken), *range_of(network))
    if address is None:
        raise _full(network, for_what)
    return str(address)


def has_room(session: Session, network: Network) -> bool:
    taken = session.scalars(select(IpAddress.address).where(IpAddress.network_id == network.id))
    return first_free(network.ip_network, list(taken), *range_of(network)) is not None


def allocate(session: Session, network: Network, purpose: str, machine: Machine) -> str:
    """The first free address of ``network`` (locked by the caller), now held by
    ``machine`` (``purpose`` host) or its BMC (bmc)."""
    if network.is_public and purpose == "host":
        raise Conflict(
            f"network {network.name!r} is public: it holds the cluster's VIPs, "
            f"no machine's address ({machine.serial or machine.id})"
        )
    address = _take(session, network, str(machine.serial or machine.id))
    session.add(
        IpAddress(network_id=network.id, address=address, machine_id=machine.id, purpose=purpose)
    )
    return address


def reserve_vip(session: Session, network: Network, usage: str, cluster: str) -> str:
    """The first free address of ``network`` (locked by the caller), now the
    cluster's ``usage`` VIP (api, sql). On a /32 that is the network's address itself."""
    address = _take(session, network, f"the {usage.upper()} VIP of cluster {cluster!r}")
    session.add(
        IpAddress(
            network_id=network.id,
            address=address,
            machine_id=None,
            purpose="vip",
            vip_usage=usage,
        )
    )
    session.flush()
    return address
