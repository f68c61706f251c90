"""Parameters every role class shares: the host, its networks, the control plane (pure)."""

from __future__ import annotations

import ipaddress
from typing import Any

from oci.enc import secrets
from oci.enc.facts import Topology
from oci.enc.snapshot import ClusterView, Member, Snapshot
from oci.enrolment import ipam

PKI_DIR = "/etc/oci/pki"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
PUPPET_SUCCESS = "puppet-success"


def hostnames(members: tuple[Member, ...]) -> list[str]:
    return [m.hostname for m in members]


def management_address(member: Member, cluster: ClusterView) -> str | None:
    """The address in the cluster's first network that serves every role, else the first."""
    for network in cluster.networks:
        if network.role == "all" and network.name in member.addresses:
            return member.addresses[network.name]
    for network in cluster.networks:
        if network.name in member.addresses:
            return member.addresses[network.name]
    return None


def management_addresses(members: tuple[Member, ...], cluster: ClusterView) -> list[str]:
    found = (management_address(m, cluster) for m in members)
    return [address for address in found if address is not None]


def vip_address(cluster: ClusterView) -> str | None:
    return next((n.vip for n in cluster.networks if n.vip is not None), None)


def keystone_url(cluster: ClusterView) -> str:
    return f"https://{cluster.options.vip_hostname}:5000/v3"


def initial_cluster_setup(cluster: ClusterView) -> bool:
    """The operator's flag, off by itself once every controller has run Puppet successfully."""
    if not cluster.options.initial_cluster_setup:
        return False
    controllers = cluster.listed("controller")
    return not controllers or any(m.status != PUPPET_SUCCESS for m in controllers)


def network_parameters(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """The networks this node has an address in, as its installer and Puppet configure them."""
    held = snapshot.node.member.addresses
    return {
        n.name: {
            "cidr": n.cidr,
            "role": n.role,
            "iface1": n.iface1,
            "iface2": n.iface2,
            "mtu": n.mtu,
            "vlan": n.vlan,
            "bridge": n.bridge,
            "public": n.is_public,
        }
        for n in snapshot.cluster.networks
        if n.name in held
    }


def bgp(snapshot: Snapshot) -> dict[str, Any] | None:
    """BGP to the host: a private ASN per host, unnumbered peers on the NICs, loopbacks."""
    options = snapshot.cluster.options
    if not options.bgp_to_host:
        return None
    node = snapshot.node
    held = node.member.addresses
    peers: list[str] = []
    for network in snapshot.cluster.networks:
        if network.name not in held:
            continue
        for token in (network.iface1, network.iface2):
            if token is None:
                continue
            nic = ipam.resolve_interface(token, node.nics) or token
            if nic not in peers:
                peers.append(nic)
    addresses = sorted(held.values(), key=lambda a: (ipaddress.ip_address(a).version, a))
    ipv4 = [a for a in addresses if ipaddress.ip_address(a).version == 4]
    return {
        "asn": options.bgp_asn_base + node.member.id,
        "router_id": ipv4[0] if ipv4 else None,
        "peer_interfaces": peers,
        "loopback_addresses": addresses,
    }


def debian_mirror(cluster: ClusterView) -> str:
    mirrors = cluster.listed("debmirror")
    return f"http://{mirrors[0].hostname}/debian" if mirrors else DEFAULT_MIRROR


def _keystone_cluster(snapshot: Snapshot) -> ClusterView:
    """A Swift-only cluster without controllers uses the Keystone of the cluster it serves."""
    cluster = snapshot.cluster
    if snapshot.served_cluster is not None and not cluster.has("controller"):
        return snapshot.served_cluster
    return cluster


def common(snapshot: Snapshot, topology: Topology) -> dict[str, Any]:
    """What every role class receives."""
    cluster = snapshot.cluster
    member = snapshot.node.member
    controllers = cluster.listed("controller")
    first_master = next((m.hostname for m in controllers if m.is_first_master), None)
    return {
        "cluster": cluster.name,
        "hostname": member.hostname,
        "domain": cluster.domain,
        "location": member.location,
        "swift_region": member.swift_region,
        "addresses": dict(sorted(member.addresses.items())),
        "management_address": management_address(member, cluster),
        "networks": network_parameters(snapshot),
        "vip_address": vip_address(cluster),
        "vip_hostname": cluster.options.vip_hostname,
        "keystone_url": keystone_url(_keystone_cluster(snapshot)),
        "controllers": hostnames(controllers),
        "controller_addresses": management_addresses(controllers, cluster),
        "first_master": first_master,
        "is_first_master": member.is_first_master,
        "time_server": cluster.options.time_server,
        "openstack_release": cluster.options.openstack_release,
        "tls": {
            "certificate": f"{PKI_DIR}/{member.hostname}.crt",
            "private_key": f"{PKI_DIR}/{member.hostname}.key",
            "ca_chain": f"{PKI_DIR}/ca-chain.crt",
        },
        "initial_cluster_setup": initial_cluster_setup(cluster),
        "debian_mirror": debian_mirror(cluster),
        "bgp": bgp(snapshot),
        "secrets": secrets.select(member.role, topology, snapshot.secrets),
    }


def openstack(snapshot: Snapshot, topology: Topology) -> dict[str, Any]:
    """Endpoints of the shared services OpenStack daemons talk to."""
    cluster = snapshot.cluster
    controllers = hostnames(cluster.listed("controller"))
    database_nodes = hostnames(cluster.listed("sql")) or controllers
    notification = hostnames(cluster.listed("messaging")) or controllers
    return {
        # haproxy on the controllers fronts Galera wherever it runs.
        "database_host": cluster.options.vip_hostname,
        "database_nodes": database_nodes,
        "rabbitmq_hosts": controllers,
        "notification_rabbitmq_hosts": notification,
        "memcached_hosts": controllers,
        "notifications": cluster.options.notifications,
    }


def ceph(snapshot: Snapshot, topology: Topology) -> dict[str, Any]:
    cluster = snapshot.cluster
    mon_role = topology.ceph_mon_role
    mons = cluster.listed(mon_role) if mon_role else ()
    public = next((n.cidr for n in cluster.networks if n.role == "all"), None)
    replication = next((n.cidr for n in cluster.networks if n.role == "ceph-cluster"), None)
    return {
        "ceph_enabled": topology.ceph,
        "ceph_mon_hosts": hostnames(mons),
        "ceph_mon_addresses": management_addresses(mons, cluster),
        "ceph_public_network": public if topology.ceph else None,
        "ceph_cluster_network": replication if topology.ceph else None,
    }


def ceph_cluster_address(snapshot: Snapshot) -> str | None:
    held = snapshot.node.member.addresses
    networks = snapshot.cluster.networks
    found = (held[n.name] for n in networks if n.role == "ceph-cluster" and n.name in held)
    return next(found, None)


def swift(snapshot: Snapshot, topology: Topology) -> dict[str, Any]:
    cluster = snapshot.cluster
    options = cluster.options
    return {
        "swift": {
            "part_power": options.swift_part_power,
            "replicas": options.swift_replicas,
            "min_part_hours": options.swift_min_part_hours,
            "proxy_hostname": options.swift_proxy_hostname or options.vip_hostname,
        },
        "swift_proxies": hostnames(cluster.listed("swiftproxy")),
    }
