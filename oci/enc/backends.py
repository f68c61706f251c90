"""Storage backends, decided in OCI's order of preference (pure)."""

from __future__ import annotations

from oci.enc.facts import Topology


def glance_backend(topology: Topology) -> str:
    """Ceph, else Swift (own or remote), else Cinder, else the controllers' file system."""
    if topology.ceph:
        return "ceph"
    if topology.swift or topology.remote_swift is not None:
        return "swift"
    if topology.lvm_volumes:
        return "cinder"
    return "file"


def cinder_backup_backend(topology: Topology) -> str:
    """Ceph, else Swift (own or remote), else none."""
    if topology.ceph:
        return "ceph"
    if topology.swift or topology.remote_swift is not None:
        return "swift"
    return "none"


def cinder_backends(topology: Topology) -> list[str]:
    """Where volumes live: Ceph RBD and/or the LVM of the volume nodes."""
    backends = []
    if topology.ceph:
        backends.append("ceph")
    if topology.lvm_volumes:
        backends.append("lvm")
    return backends


def nova_ephemeral_backend(topology: Topology, use_ceph_if_available: bool) -> str:
    """Instance disks on Ceph when the cluster has it and the compute opts in (OCI's rule)."""
    return "ceph" if topology.ceph and use_ceph_if_available else "local"
