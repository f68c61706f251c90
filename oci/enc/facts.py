"""The cluster's topology, read as the decisions OCI takes from it (pure).

Each property answers one question of OCI's "Decisions taken from the
cluster's topology" from the counts of each role in the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from oci.enc.snapshot import ClusterView


@dataclass(frozen=True)
class Topology:
    cluster: ClusterView
    remote_swift: ClusterView | None = None

    def has(self, role: str) -> bool:
        return self.cluster.has(role)

    @property
    def ceph(self) -> bool:
        """Ceph OSDs exist: on OSD nodes, or on computes (hyper-converged)."""
        return self.has("cephosd") or self.hyperconverged

    @property
    def hyperconverged(self) -> bool:
        return self.cluster.options.ceph_osds_on_computes and self.has("compute")

    @property
    def controllers_are_ceph_mons(self) -> bool:
        """No dedicated monitors: the controllers are the Ceph monitors."""
        return self.ceph and not self.has("cephmon")

    @property
    def ceph_mon_role(self) -> str | None:
        if not self.ceph:
            return None
        return "controller" if self.controllers_are_ceph_mons else "cephmon"

    @property
    def swift(self) -> bool:
        """This cluster stores objects in its own Swift."""
        return self.has("swiftstore")

    @property
    def swift_proxies_on_controllers(self) -> bool:
        """Swift stores but no proxy nodes: the controllers front the proxies."""
        return self.swift and not self.has("swiftproxy") and self.has("controller")

    @property
    def compute_services(self) -> bool:
        """Computes exist: Nova, Neutron, Glance, Placement, Octavia, Magnum on controllers."""
        return self.has("compute")

    @property
    def routing_on_controllers(self) -> bool:
        """No network nodes: controllers do SNAT and routing, computes run DHCP agents."""
        return self.compute_services and not self.has("network")

    @property
    def telemetry_on_controllers(self) -> bool:
        """No messaging nodes: telemetry and its RabbitMQ and database stay on controllers."""
        return not self.has("messaging")

    @property
    def galera_on_controllers(self) -> bool:
        return not self.has("sql")

    @property
    def lvm_volumes(self) -> bool:
        return self.has("volume")
