"""What the ENC knows about a node and its cluster: plain data, loaded once per call.

The loader (oci.enc.loader) fills these from the inventory in a few queries;
everything else in oci.enc is pure and works on these alone, so that every
topology decision is testable without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from oci.enrolment.ipam import NicSpeed
from oci.enrolment.options import ClusterOptions

# Roles whose members are listed in documents (host names, addresses). Computes,
# Ceph OSD nodes and Swift stores can be thousands: documents only say whether
# there are any, so their size and cost do not grow with the cluster.
LISTED_ROLES = (
    "controller",
    "network",
    "volume",
    "sql",
    "messaging",
    "cephmon",
    "swiftproxy",
    "dns",
    "debmirror",
)


@dataclass(frozen=True)
class Member:
    """A machine of a cluster as documents name it."""

    id: int
    hostname: str
    role: str
    is_first_master: bool
    location: str
    swift_region: str
    status: str = "live"  # MachineStatus value
    # network name -> this machine's address in it
    addresses: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkView:
    name: str
    cidr: str
    ip_version: int
    role: str
    iface1: str
    iface2: str | None
    mtu: int | None
    vlan: int | None
    bridge: str | None
    is_public: bool
    vip: str | None  # the address reserved for the cluster's VIP (public networks)


@dataclass(frozen=True)
class ClusterView:
    id: int
    name: str
    domain: str
    options: ClusterOptions  # defaults filled in, vip_hostname set
    networks: tuple[NetworkView, ...]
    # role -> members in host-number order, for LISTED_ROLES only
    members: dict[str, tuple[Member, ...]]
    # every role the cluster has at least one machine of
    present: frozenset[str]

    def listed(self, role: str) -> tuple[Member, ...]:
        return self.members.get(role, ())

    def has(self, role: str) -> bool:
        return role in self.present


@dataclass(frozen=True)
class Node:
    """The machine being classified, with what only its own document needs."""

    member: Member
    settings: dict[str, Any]
    nics: tuple[NicSpeed, ...]
    datacenter: str | None
    row: str | None
    rack: str | None
    u_position: int | None
    compute_aggregate: str | None


@dataclass(frozen=True)
class Snapshot:
    node: Node
    cluster: ClusterView
    # Clear values of the node's own cluster's secrets that its role may use
    # (oci.enc.secrets), never another cluster's.
    secrets: dict[str, str]
    # The Swift-only cluster this cluster stores images and backups into.
    remote_swift: ClusterView | None = None
    # For a Swift-only cluster: the compute cluster whose Keystone its proxies use.
    served_cluster: ClusterView | None = None
    environment: str = "production"
