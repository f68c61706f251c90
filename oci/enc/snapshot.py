"""What the ENC knows about a node and its cluster: plain data, loaded by oci.enc.loader.

Everything else in oci.enc is pure and works on these alone, so that every
topology decision and every parameter is testable without a database.

A cluster's view holds every member (OCI's documents list the computes, the
/etc/hosts of every node names every machine of its cluster): the loader
builds it once per change of the cluster and shares it between its nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from oci.enrolment.options import ClusterOptions, MachineSettings

T = TypeVar("T")

# The roles with a class of their own in puppet-module-oci that oci enrols.
ROLES = (
    "controller",
    "compute",
    "network",
    "volume",
    "sql",
    "messaging",
    "cephmon",
    "cephosd",
    "swiftproxy",
    "swiftstore",
    "dns",
    "debmirror",
)
# Network roles that are no machine's management network (OCI's filter): the VM
# tunnels, OVS bridges, Ceph replication and BMCs.
NOT_MANAGEMENT = frozenset({"vm-net", "ovs-bridge", "ceph-cluster", "ipmi"})


@dataclass(frozen=True)
class NetworkView:
    id: int
    name: str
    cidr: str  # network address / prefix length
    ip_version: int
    role: str  # "all", a machine role, or one of choices.NETWORK_SPECIAL_ROLES
    iface1: str
    iface2: str | None
    mtu: int | None
    vlan: int | None
    bridge: str | None
    is_public: bool
    # usage (api, sql, messaging) -> the VIP reserved for it in this network
    vips: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.cidr.split("/")[0]

    @property
    def prefix_length(self) -> int:
        return int(self.cidr.split("/")[1])

    @property
    def is_management(self) -> bool:
        return not self.is_public and self.role not in NOT_MANAGEMENT


@dataclass(frozen=True)
class Member:
    """A machine of a cluster as documents name it."""

    id: int
    hostname: str
    role: str
    is_first_master: bool = False
    status: str = "live"  # MachineStatus value
    # network name -> this machine's host address in it
    addresses: dict[str, str] = field(default_factory=dict)
    location_id: int | None = None
    location: str = ""
    swift_region_id: int | None = None
    swift_region: str = ""
    settings: MachineSettings = field(default_factory=MachineSettings)
    root_public_key: str | None = None  # body only, no type, no comment

    @property
    def short_name(self) -> str:
        return self.hostname.split(".")[0]


@dataclass(frozen=True)
class Certificates:
    """PEM texts the module writes to files (it takes them base64-encoded)."""

    ca_chain: str = ""  # intermediate + root
    oci_ca: str = ""  # the intermediate that signs nodes
    root_ca: str = ""
    api_certificate: str = ""  # the cluster's API certificate (VIP host name)
    api_key: str = ""
    node_certificate: str = ""  # the node's own, server and client auth
    node_key: str = ""


@dataclass(frozen=True)
class ClusterView:
    id: int
    name: str
    domain: str
    options: ClusterOptions  # defaults filled in, vip_hostname set
    networks: tuple[NetworkView, ...]
    # role -> members in host-number order
    members: dict[str, tuple[Member, ...]]
    # The cluster's secrets by name (clear values, only of this cluster).
    secrets: dict[str, str] = field(default_factory=dict)
    # What every node of the cluster derives alike (its /etc/hosts lines, the
    # computes' keys), computed once per view: see ClusterView.memo.
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, once per view: a view is rebuilt whenever its cluster changes."""
        if key not in self._memo:
            self._memo[key] = make()
        return cast(T, self._memo[key])

    def listed(self, role: str) -> tuple[Member, ...]:
        return self.members.get(role, ())

    def has(self, role: str) -> bool:
        return bool(self.members.get(role))

    @property
    def present(self) -> frozenset[str]:
        return frozenset(role for role, found in self.members.items() if found)

    def all_members(self) -> list[Member]:
        return [m for found in self.members.values() for m in found]


@dataclass(frozen=True)
class Disk:
    name: str
    size_bytes: int
    transport: str | None


@dataclass(frozen=True)
class Controller:
    """A storage controller of the node: OCI's blkdev_ctrl row."""

    kind: str  # oci.ingest.facts.CONTROLLER_KINDS: megaraid, smartarray, ...
    model: str | None


@dataclass(frozen=True)
class Node:
    """The machine being classified, with what only its own document needs."""

    member: Member
    disks: tuple[Disk, ...] = ()
    nic_drivers: tuple[str, ...] = ()
    controllers: tuple[Controller, ...] = ()
    root_private_key: str | None = None
    certificates: Certificates = field(default_factory=Certificates)
    datacenter: str | None = None
    row: str | None = None
    rack: str | None = None
    u_position: int | None = None
    compute_aggregate: str | None = None


@dataclass(frozen=True)
class Snapshot:
    node: Node
    cluster: ClusterView
    # The Swift-only cluster this cluster stores images and backups into.
    remote_swift: ClusterView | None = None
    # For a Swift-only cluster: the compute cluster whose Keystone its proxies use.
    served_cluster: ClusterView | None = None
    environment: str = "production"
    # Settings of the oci server that reach documents (HTTP proxy, filebeat repository).
    server: dict[str, Any] = field(default_factory=dict)
