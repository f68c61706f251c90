"""The class parameters of each role: ``oci::<role>`` (pure).

Every key a role returns here is a parameter of its Puppet class in
puppet-enc/modules/oci/manifests/<role>.pp, always present (null when it does
not apply), so that the class interface is the same for every node of a role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oci.enc import backends, parameters
from oci.enc.facts import Topology
from oci.enc.parameters import ceph, common, hostnames, openstack, swift
from oci.enc.snapshot import Snapshot
from oci.enrolment.options import MachineSettings, effective_vfio_ids

Params = dict[str, Any]
LVM_VOLUME_GROUP = "cinder-volumes"
# Host drivers that would grab a GPU before vfio-pci, by PCI vendor.
GPU_HOST_MODULES = {
    "10de": ("nouveau", "nvidia", "nvidia_drm", "nvidia_modeset", "nvidiafb"),
    "1002": ("amdgpu", "radeon"),
}


def _remote_swift(snapshot: Snapshot) -> dict[str, Any] | None:
    remote = snapshot.remote_swift
    if remote is None:
        return None
    options = remote.options
    return {
        "cluster": remote.name,
        "endpoint": f"https://{options.swift_proxy_hostname or options.vip_hostname}",
        "region": remote.name,
    }


def controller(snapshot: Snapshot, topology: Topology) -> Params:
    cluster = snapshot.cluster
    return {
        **common(snapshot, topology),
        **openstack(snapshot, topology),
        **ceph(snapshot, topology),
        **swift(snapshot, topology),
        "ceph_is_mon": topology.controllers_are_ceph_mons,
        "compute_services": topology.compute_services,
        "routing_on_controllers": topology.routing_on_controllers,
        "network_nodes": hostnames(cluster.listed("network")),
        "telemetry_on_controllers": topology.telemetry_on_controllers,
        "messaging_nodes": hostnames(cluster.listed("messaging")),
        "galera_on_controllers": topology.galera_on_controllers,
        "sql_nodes": hostnames(cluster.listed("sql")),
        "glance_backend": backends.glance_backend(topology),
        "cinder_backends": backends.cinder_backends(topology),
        "cinder_backup_backend": backends.cinder_backup_backend(topology),
        "volume_nodes": hostnames(cluster.listed("volume")),
        "swift_proxy_on_controllers": topology.swift_proxies_on_controllers,
        "remote_swift": _remote_swift(snapshot),
        "dns_nodes": hostnames(cluster.listed("dns")),
        "self_signed_api_cert": cluster.options.self_signed_api_cert,
    }


def _gpus(settings: MachineSettings) -> dict[str, Any]:
    vfio: list[str] = []
    blacklist: set[str] = set()
    for gpu in settings.gpus:
        for ids in effective_vfio_ids(gpu):
            if ids not in vfio:
                vfio.append(ids)
        blacklist.update(GPU_HOST_MODULES.get(gpu.vendor_id, ()))
    return {
        # Nova's [pci] alias entries; a flavor asks pci_passthrough:alias=NAME:N.
        "gpus": [
            {
                "name": gpu.name,
                "vendor_id": gpu.vendor_id,
                "product_id": gpu.product_id,
                "device_type": gpu.device_type,
            }
            for gpu in settings.gpus
        ],
        "vfio_pci_ids": vfio,
        "module_blacklist": sorted(blacklist),
    }


def compute(snapshot: Snapshot, topology: Topology) -> Params:
    cluster = snapshot.cluster
    settings = MachineSettings.model_validate(snapshot.node.settings)
    return {
        **common(snapshot, topology),
        **openstack(snapshot, topology),
        **ceph(snapshot, topology),
        "nova_cpu_model": settings.cpu_model or cluster.options.cpu_model,
        "nova_ephemeral_backend": backends.nova_ephemeral_backend(
            topology, settings.use_ceph_if_available
        ),
        "ceph_osd": topology.hyperconverged,
        "ceph_cluster_address": parameters.ceph_cluster_address(snapshot),
        "dhcp_agent": topology.routing_on_controllers,
        "compute_aggregate": snapshot.node.compute_aggregate,
        **_gpus(settings),
    }


def network(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **openstack(snapshot, topology),
        "l3_agent": True,
        "dhcp_agent": True,
    }


def volume(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **openstack(snapshot, topology),
        **ceph(snapshot, topology),
        "lvm_volume_group": LVM_VOLUME_GROUP,
        "cinder_backup_backend": backends.cinder_backup_backend(topology),
    }


def _bootstrap(snapshot: Snapshot, role: str) -> bool:
    """The first node of a Galera role bootstraps it, during the initial setup only."""
    members = snapshot.cluster.listed(role)
    first = members[0].hostname if members else None
    return (
        parameters.initial_cluster_setup(snapshot.cluster)
        and first == snapshot.node.member.hostname
    )


def sql(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **openstack(snapshot, topology),
        "galera_nodes": hostnames(snapshot.cluster.listed("sql")),
        "galera_bootstrap": _bootstrap(snapshot, "sql"),
    }


def messaging(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **openstack(snapshot, topology),
        "messaging_nodes": hostnames(snapshot.cluster.listed("messaging")),
        "galera_bootstrap": _bootstrap(snapshot, "messaging"),
    }


def cephmon(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **ceph(snapshot, topology),
        "ceph_mon_bootstrap": _bootstrap(snapshot, "cephmon"),
    }


def cephosd(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **ceph(snapshot, topology),
        "ceph_cluster_address": parameters.ceph_cluster_address(snapshot),
    }


def swiftproxy(snapshot: Snapshot, topology: Topology) -> Params:
    return {**common(snapshot, topology), **swift(snapshot, topology)}


def swiftstore(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **swift(snapshot, topology),
        "swift_zone": snapshot.node.member.location,
    }


def dns(snapshot: Snapshot, topology: Topology) -> Params:
    return {
        **common(snapshot, topology),
        **openstack(snapshot, topology),
        "dns_nodes": hostnames(snapshot.cluster.listed("dns")),
    }


def debmirror(snapshot: Snapshot, topology: Topology) -> Params:
    return {**common(snapshot, topology), "mirror_upstream": parameters.DEFAULT_MIRROR}


ROLES: dict[str, Callable[[Snapshot, Topology], Params]] = {
    "controller": controller,
    "compute": compute,
    "network": network,
    "volume": volume,
    "sql": sql,
    "messaging": messaging,
    "cephmon": cephmon,
    "cephosd": cephosd,
    "swiftproxy": swiftproxy,
    "swiftstore": swiftstore,
    "dns": dns,
    "debmirror": debmirror,
}
