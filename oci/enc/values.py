"""The values of the OCI classes' parameters, each named as the parameter it fills (pure).

``Values(snapshot)`` answers every computed parameter of puppet-module-oci's
classes by attribute: ``values.all_masters``, ``values.vip_ipaddr`` ... The
role tables (oci.enc.classes) say which class receives which. Names, shapes
and meanings follow OCI's own ENC: node lists are lists of FQDNs with a
parallel list of management addresses, Ceph monitors are comma-joined
strings, PEM files and generated files are base64 text, and a machine only
has addresses on non-public networks (the public one holds VIPs).
"""

from __future__ import annotations

import base64
import functools
from typing import Any

import yaml

from oci.choices import DEFAULT_OPENSTACK_RELEASE
from oci.enc.devices import data_disks
from oci.enc.snapshot import ClusterView, Member, NetworkView, Snapshot


class SharedMapping(dict[str, Any]):
    """A mapping many documents hold unchanged: oci.enc.document represents it once
    (and keeps the YAML node here). Never changed once made."""

    yaml_node: Any = None


# Not a network address: the module's own default when there is nothing to say.
NO_SWIFT_PROXY_HOSTNAME = "none"
BOND = "bond0"


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


class Values:
    """Derived parameter values of one node; each computed at most once."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.cluster: ClusterView = snapshot.cluster
        self.node = snapshot.node
        self.member: Member = snapshot.node.member
        self.options = snapshot.cluster.options
        self.settings = snapshot.node.member.settings

    # -- helpers -------------------------------------------------------------

    def management_network(self, member: Member) -> NetworkView | None:
        for network in self.cluster.networks:
            if network.is_management and network.name in member.addresses:
                return network
        return None

    def address(self, member: Member) -> str | None:
        network = self.management_network(member)
        return member.addresses[network.name] if network is not None else None

    def _names(self, members: tuple[Member, ...] | list[Member]) -> list[str]:
        return [m.hostname for m in members]

    def _ips(self, members: tuple[Member, ...] | list[Member]) -> list[str]:
        found = (self.address(m) for m in members)
        return [a for a in found if a is not None]

    def _ids(self, members: tuple[Member, ...] | list[Member]) -> list[int]:
        return [m.id for m in members]

    def has(self, role: str) -> bool:
        return self.cluster.has(role)

    # -- the machine ---------------------------------------------------------

    @property
    def machine_hostname(self) -> str:
        return self.member.hostname

    @property
    def machine_role(self) -> str:
        return self.member.role

    @functools.cached_property
    def machine_ip(self) -> str | None:
        return self.address(self.member)

    @property
    def network_ipaddr(self) -> str | None:
        network = self.management_network(self.member)
        return network.address if network is not None else None

    @property
    def network_cidr(self) -> int | None:
        network = self.management_network(self.member)
        return network.prefix_length if network is not None else None

    def _address_on(self, role: str) -> tuple[NetworkView, str] | None:
        for network in self.cluster.networks:
            if network.role == role and network.name in self.member.addresses:
                return network, self.member.addresses[network.name]
        return None

    @property
    def vmnet_ip(self) -> str | None:
        """The VM tunnel endpoint: the vm-net address, else the management one."""
        if self.member.role != "controller":
            found = self._address_on("vm-net")
            if found is not None:
                return found[1]
        return self.machine_ip

    @property
    def use_ceph_cluster_net(self) -> bool:
        return self._address_on("ceph-cluster") is not None

    @property
    def cephnet_ip(self) -> str | None:
        found = self._address_on("ceph-cluster")
        return found[1] if found is not None else self.machine_ip

    @property
    def cephnet_network_addr(self) -> str | None:
        found = self._address_on("ceph-cluster")
        return found[0].address if found is not None else self.network_ipaddr

    @property
    def cephnet_network_cidr(self) -> int | None:
        found = self._address_on("ceph-cluster")
        return found[0].prefix_length if found is not None else self.network_cidr

    @property
    def cephnet_mtu(self) -> int:
        found = self._address_on("ceph-cluster")
        return (found[0].mtu or 0) if found is not None else 0

    # -- the cluster ---------------------------------------------------------

    @property
    def cluster_name(self) -> str:
        return self.cluster.name

    @property
    def cluster_domain(self) -> str:
        return self.cluster.domain

    @property
    def region_name(self) -> str:
        return str(self.options.region_name)

    @property
    def openstack_release(self) -> str:
        """The cluster's choice, else the release of the modules installed on the server."""
        chosen = self.options.openstack_release or self.snapshot.server.get("openstack_release")
        return str(chosen or DEFAULT_OPENSTACK_RELEASE)

    @property
    def self_signed_api_cert(self) -> bool:
        return bool(self.options.self_signed_api_cert)

    @property
    def initial_cluster_setup(self) -> bool:
        """The operator's flag, off by itself once every controller has run Puppet successfully."""
        if not self.options.initial_cluster_setup:
            return False
        controllers = self.cluster.listed("controller")
        return not controllers or any(m.status != "puppet-success" for m in controllers)

    # -- controllers ---------------------------------------------------------

    @property
    def _controllers(self) -> tuple[Member, ...]:
        return self.cluster.listed("controller")

    @functools.cached_property
    def _first_master(self) -> Member | None:
        controllers = self._controllers
        return next((m for m in controllers if m.is_first_master), None) or (
            controllers[0] if controllers else None
        )

    @property
    def is_first_master(self) -> bool:
        first = self._first_master
        return first is not None and first.id == self.member.id

    @property
    def first_master(self) -> str | None:
        return self._first_master.hostname if self._first_master else None

    @property
    def first_master_ip(self) -> str | None:
        return self.address(self._first_master) if self._first_master else None

    @property
    def all_masters(self) -> list[str]:
        return self._names(self._controllers)

    @property
    def all_masters_ip(self) -> list[str]:
        return self._ips(self._controllers)

    @property
    def all_masters_ids(self) -> list[int]:
        return self._ids(self._controllers)

    @property
    def _other_masters(self) -> list[Member]:
        return [m for m in self._controllers if m.id != self.member.id]

    @property
    def other_masters(self) -> list[str]:
        return self._names(self._other_masters)

    @property
    def other_masters_ip(self) -> list[str]:
        return self._ips(self._other_masters)

    @property
    def _non_first(self) -> list[Member]:
        first = self._first_master
        return [m for m in self._controllers if first is None or m.id != first.id]

    @property
    def non_first_master_controllers(self) -> list[str]:
        return self._names(self._non_first)

    @property
    def non_first_master_controllers_ip(self) -> list[str]:
        return self._ips(self._non_first)

    # -- VIPs ----------------------------------------------------------------

    def _vip(self, usage: str) -> tuple[NetworkView, str] | None:
        for network in self.cluster.networks:
            if usage in network.vips:
                return network, network.vips[usage]
        if usage == "api":
            for network in self.cluster.networks:
                if network.is_public and network.prefix_length in (32, 128):
                    return network, network.address  # a /32 is the VIP itself
        return None

    @property
    def vip_hostname(self) -> str:
        return str(self.options.vip_hostname)

    @property
    def vip_ipaddr(self) -> str | None:
        found = self._vip("api")
        return found[1] if found else None

    @property
    def vip_netmask(self) -> int | None:
        found = self._vip("api")
        return found[0].prefix_length if found else None

    @functools.cached_property
    def _sql_vip(self) -> tuple[NetworkView, str] | None:
        """OCI: the sql VIP when the cluster has SQL nodes, else the API VIP."""
        return (self._vip("sql") if self.has("sql") else None) or self._vip("api")

    @property
    def sql_vip_ip(self) -> str | None:
        return self._sql_vip[1] if self._sql_vip else None

    @property
    def sql_vip_netmask(self) -> int | None:
        return self._sql_vip[0].prefix_length if self._sql_vip else None

    @property
    def sql_vip_iface(self) -> str | None:
        if self._sql_vip is None:
            return None
        network = self._sql_vip[0]
        return BOND if network.iface2 else network.iface1

    @property
    def messaging_vip_ipaddr(self) -> str | None:
        found = self._vip("messaging")
        return found[1] if found else None

    @property
    def messaging_vip_network(self) -> str | None:
        found = self._vip("messaging")
        return found[0].address if found else None

    @property
    def messaging_vip_cidr(self) -> int | None:
        found = self._vip("messaging")
        return found[0].prefix_length if found else None

    # -- SQL -----------------------------------------------------------------

    @property
    def _sql_nodes(self) -> tuple[Member, ...]:
        return self.cluster.listed("sql") or self._controllers

    @functools.cached_property
    def _first_sql(self) -> Member | None:
        if self.has("sql"):
            return self.cluster.listed("sql")[0]
        return self._first_master

    @property
    def first_sql(self) -> str | None:
        return self._first_sql.hostname if self._first_sql else None

    @property
    def first_sql_ip(self) -> str | None:
        return self.address(self._first_sql) if self._first_sql else None

    @property
    def is_first_sql(self) -> bool:
        return self._first_sql is not None and self._first_sql.id == self.member.id

    @property
    def all_sql(self) -> list[str]:
        return self._names(self._sql_nodes)

    @property
    def all_sql_ip(self) -> list[str]:
        return self._ips(self._sql_nodes)

    @property
    def all_sql_ids(self) -> list[int]:
        return self._ids(self._sql_nodes)

    @property
    def _non_master_sql(self) -> list[Member]:
        first = self._first_sql
        return [m for m in self._sql_nodes if first is None or m.id != first.id]

    @property
    def non_master_sql(self) -> list[str]:
        return self._names(self._non_master_sql)

    @property
    def non_master_sql_ip(self) -> list[str]:
        return self._ips(self._non_master_sql)

    # -- messaging -----------------------------------------------------------

    @property
    def _rabbits(self) -> tuple[Member, ...]:
        return self.cluster.listed("messaging")

    @property
    def messaging_nodes_for_notifs(self) -> bool:
        return self.has("messaging")

    @property
    def all_rabbits(self) -> list[str]:
        return self._names(self._rabbits)

    @property
    def all_rabbits_ips(self) -> list[str]:
        return self._ips(self._rabbits)

    @property
    def all_rabbits_ids(self) -> list[int]:
        return self._ids(self._rabbits)

    @property
    def first_rabbit(self) -> str | None:
        return self._rabbits[0].hostname if self._rabbits else None

    @property
    def is_first_rabbit(self) -> bool:
        return bool(self._rabbits) and self._rabbits[0].id == self.member.id

    @property
    def messaging_other_nodes(self) -> list[str]:
        return [m.hostname for m in self._rabbits if m.id != self.member.id]

    @property
    def messaging_other_nodes_ips(self) -> list[str]:
        return self._ips([m for m in self._rabbits if m.id != self.member.id])

    # -- other node lists ----------------------------------------------------

    @property
    def compute_nodes(self) -> list[str]:
        return self._names(self.cluster.listed("compute"))

    @property
    def compute_nodes_ip(self) -> list[str]:
        return self._ips(self.cluster.listed("compute"))

    @property
    def volume_nodes(self) -> list[str]:
        return self._names(self.cluster.listed("volume"))

    @property
    def volume_nodes_ip(self) -> list[str]:
        return self._ips(self.cluster.listed("volume"))

    @property
    def all_swiftproxy(self) -> list[str]:
        return self._names(self.cluster.listed("swiftproxy"))

    @property
    def all_swiftproxy_ip(self) -> list[str]:
        return self._ips(self.cluster.listed("swiftproxy"))

    @property
    def all_swiftstore(self) -> list[str]:
        return self._names(self.cluster.listed("swiftstore"))

    @property
    def all_swiftstore_ip(self) -> list[str]:
        return self._ips(self.cluster.listed("swiftstore"))

    @property
    def dns_nodes(self) -> list[str]:
        return self._names(self.cluster.listed("dns"))

    @property
    def dns_nodes_ip(self) -> list[str]:
        return self._ips(self.cluster.listed("dns"))

    def _networks_of(self, roles: frozenset[str]) -> list[str]:
        """The management networks (address/prefix) holding addresses of these roles."""
        used = {
            name
            for role in roles
            for member in self.cluster.listed(role)
            for name in member.addresses
        }
        return [n.cidr for n in self.cluster.networks if n.name in used and not n.is_public]

    @property
    def no_api_rate_limit_networks(self) -> list[str]:
        return self._networks_of(
            frozenset({"compute", "controller", "volume", "network", "messaging", "swiftproxy"})
        )

    @property
    def swift_storage_allowed_networks(self) -> list[str]:
        return self._networks_of(frozenset({"swiftstore", "swiftproxy"}))

    # -- topology ------------------------------------------------------------

    @functools.cached_property
    def _hyperconverged_computes(self) -> list[Member]:
        return [m for m in self.cluster.listed("compute") if m.settings.compute_is_cephosd]

    @property
    def cluster_has_osds(self) -> bool:
        return self.has("cephosd") or bool(self._hyperconverged_computes)

    @property
    def cluster_has_mons(self) -> bool:
        return self.has("cephmon")

    @property
    def cluster_has_cinder_volumes(self) -> bool:
        return self.has("volume")

    @property
    def _ceph_mons(self) -> tuple[Member, ...]:
        return self.cluster.listed("cephmon") or self._controllers

    @property
    def ceph_mon_initial_members(self) -> str:
        return ",".join(self._names(self._ceph_mons))

    @property
    def ceph_mon_host(self) -> str:
        return ",".join(self._ips(self._ceph_mons))

    @property
    def machine_iface(self) -> str:
        return "br-ex" if self.has("compute") and not self.has("network") else "eth0"

    @property
    def has_subrole_network_node(self) -> bool:
        """No network nodes: the controllers route."""
        return not self.has("network")

    @property
    def has_subrole_db(self) -> bool:
        return not self.has("sql")

    @property
    def has_subrole_swift(self) -> bool:
        return self.has("swiftstore")

    @property
    def _computes(self) -> bool:
        return self.has("compute")

    @property
    def has_subrole_glance(self) -> bool:
        return self._computes

    has_subrole_nova = has_subrole_glance
    has_subrole_neutron = has_subrole_glance
    has_subrole_aodh = has_subrole_glance
    has_subrole_octavia = has_subrole_glance
    has_subrole_magnum = has_subrole_glance
    has_subrole_manila = has_subrole_glance

    @property
    def has_subrole_heat(self) -> bool:
        return True  # every cluster with controllers runs Heat and Barbican

    has_subrole_barbican = has_subrole_heat

    @property
    def enable_ceilometer_middleware(self) -> bool:
        """Swift proxies report to Ceilometer where telemetry runs (it needs Ceph's Gnocchi)."""
        return self.cluster_has_osds and bool(self.options.install_telemetry)

    @property
    def has_subrole_cinder(self) -> bool:
        return self._computes and (self.cluster_has_osds or self.has("volume"))

    @property
    def has_subrole_gnocchi(self) -> bool:
        return self.cluster_has_osds

    has_subrole_ceilometer = has_subrole_gnocchi
    has_subrole_panko = has_subrole_gnocchi
    has_subrole_cloudkitty = has_subrole_gnocchi

    @property
    def has_subrole_gnocchi_services(self) -> bool:
        return not self.has("messaging")

    @property
    def has_subrole_designate(self) -> bool:
        return self._computes and bool(self.options.install_designate)

    @property
    def has_subrole_dhcp_agent(self) -> bool:
        return not self.has("network") or bool(self.settings.force_dhcp_agent)

    @property
    def designate_pools_yaml(self) -> str | None:
        """Designate's pools.yaml: one pool whose name servers are the dns nodes (base64)."""
        if not self.has("dns"):
            return None
        nodes = list(zip(self.dns_nodes, self.dns_nodes_ip, strict=False))
        pools = [
            {
                "name": "default",
                "description": "oci bind9 pool",
                "attributes": {},
                "ns_records": [
                    {"hostname": f"{name}.", "priority": n + 1} for n, (name, _) in enumerate(nodes)
                ],
                "nameservers": [{"host": ip, "port": 53} for _, ip in nodes],
                "targets": [
                    {
                        "type": "bind9",
                        "description": f"bind9 on {name}",
                        "masters": [{"host": ip, "port": 5354} for ip in self.all_masters_ip],
                        "options": {"host": ip, "port": 53, "rndc_host": ip, "rndc_port": 953},
                    }
                    for name, ip in nodes
                ],
            }
        ]
        return b64(yaml.safe_dump(pools, sort_keys=False))

    # -- storage backends (OCI's order of preference) -------------------------

    @property
    def glance_backend(self) -> str:
        ceph, swift = self.cluster_has_osds, self.has_subrole_swift or self._remote_swift
        if self.options.glance_prefer_ceph_over_swift:
            return "ceph" if ceph else "swift" if swift else "file"
        return "swift" if swift else "ceph" if ceph else "file"

    @property
    def _remote_swift(self) -> bool:
        return self.snapshot.remote_swift is not None

    @property
    def cinder_backup_backend(self) -> str:
        ceph, swift = self.cluster_has_osds, self.has_subrole_swift or self._remote_swift
        if self.options.cinder_backup_prefer_swift:
            return "swift" if swift else "ceph" if ceph else "none"
        return "ceph" if ceph else "swift" if swift else "none"

    @property
    def backup_backend(self) -> str:
        return self.cinder_backup_backend

    # -- Swift ---------------------------------------------------------------

    @property
    def swiftproxy_hostname(self) -> str:
        return str(self.options.swift_proxy_hostname or NO_SWIFT_PROXY_HOSTNAME)

    @property
    def swiftregion_id(self) -> int | None:
        return self.member.swift_region_id

    @property
    def zoneid(self) -> int | None:
        return self.member.location_id

    @property
    def object_expirer_enable(self) -> bool:
        proxies = self.cluster.listed("swiftproxy")
        return bool(proxies) and proxies[0].id == self.member.id

    # -- Neutron -------------------------------------------------------------

    def _bridges(self) -> list[str]:
        found = [n.bridge for n in self.cluster.networks if n.role == "ovs-bridge" and n.bridge]
        return found or ["br-ex"]

    def _external_names(self) -> list[str]:
        if self.member.role == "controller":
            members = [*self.cluster.listed("compute"), *self.cluster.listed("network")]
            names = [str(m.settings.neutron_external_network_name) for m in members]
            return list(dict.fromkeys(names)) or [str(self.settings.neutron_external_network_name)]
        return [str(self.settings.neutron_external_network_name)]

    @property
    def bridge_mapping_list(self) -> list[str]:
        bridges = self._bridges()
        return [
            f"{name}{i if i else ''} {bridge}"
            for name in self._external_names()
            for i, bridge in enumerate(bridges)
        ]

    @property
    def external_network_list(self) -> list[str]:
        bridges = self._bridges()
        return [
            f"{name}{i if i else ''}"
            for name in self._external_names()
            for i in range(len(bridges))
        ]

    @property
    def use_dynamic_routing(self) -> bool:
        return any(m.settings.neutron_install_dragent for m in self.cluster.all_members())

    @property
    def bgp_to_the_host(self) -> bool:
        return bool(self.options.bgp_to_the_host) and not self.settings.force_no_bgp2host

    # -- GPUs ----------------------------------------------------------------

    @property
    def use_gpu(self) -> bool:
        if self.member.role == "controller":
            return any(m.settings.gpus for m in self.cluster.listed("compute"))
        return bool(self.settings.gpus)

    @property
    def gpu_def(self) -> list[str]:
        """Every GPU type of the computes: NAME.VENDOR.PRODUCT.TYPE, for Nova's aliases."""
        found = {
            f"{g.name}.{g.vendor_id}.{g.product_id}.{g.device_type}"
            for m in self.cluster.listed("compute")
            for g in m.settings.gpus
        }
        return sorted(found)

    @property
    def gpu_name(self) -> list[str]:
        return [g.name for g in self.settings.gpus]

    @property
    def gpu_vendor_id(self) -> list[str]:
        return [g.vendor_id for g in self.settings.gpus]

    @property
    def gpu_product_id(self) -> list[str]:
        return [g.product_id for g in self.settings.gpus]

    @property
    def gpu_device_type(self) -> str | None:
        return self.settings.gpus[0].device_type if self.settings.gpus else None

    @property
    def vfio_ids(self) -> str:
        ids: list[str] = []
        for gpu in self.settings.gpus:
            for pair in gpu.vfio_ids or [f"{gpu.vendor_id}:{gpu.product_id}"]:
                if pair not in ids:
                    ids.append(pair)
        return ",".join(ids)

    # -- computes and volumes ------------------------------------------------

    @property
    def use_ceph_if_available(self) -> bool:
        return bool(self.settings.compute_is_cephosd or self.settings.use_ceph_if_available)

    @functools.cached_property
    def block_devices(self) -> list[str]:
        return data_disks(self.node.disks, self.settings)

    @property
    def vgname(self) -> str:
        """CLUSTERvolNvg0: the volume group of volume node N (OCI's name)."""
        number = self.member.short_name.rsplit("-", 1)[-1]
        return f"{self.cluster.name}vol{number}vg0"

    @property
    def enabled_backend_list(self) -> list[str]:
        value = str(self.settings.cinder_enabled_backends or "")
        if value in ("", "no-override"):
            return []
        return [part for part in value.split(":") if part]

    # -- generic: every node -------------------------------------------------

    @property
    def ssh_listen_ips(self) -> list[str]:
        skip = {"ovs-bridge", "ipmi"}
        addresses = [
            self.member.addresses[n.name]
            for n in self.cluster.networks
            if not n.is_public and n.role not in skip and n.name in self.member.addresses
        ]
        return ["127.0.0.1", *addresses]

    @property
    def generate_root_ssh_keys(self) -> bool:
        return bool(self.options.generate_root_ssh_keys) or self.member.role == "compute"

    @property
    def authorized_keys_hash(self) -> dict[str, str | None]:
        """Root keys of the cluster's computes (computes), or of the other volume nodes."""
        if self.member.role == "compute":
            # The same for every compute: one object per view, represented once (document).
            return self.cluster.memo("compute_keys", self._compute_keys)
        elif self.member.role == "volume" and self.generate_root_ssh_keys:
            peers = [m for m in self.cluster.listed("volume") if m.id != self.member.id]
            return {m.hostname: m.root_public_key for m in peers if m.root_public_key}
        return {}

    def _compute_keys(self) -> SharedMapping:
        computes = self.cluster.listed("compute")
        return SharedMapping({m.hostname: m.root_public_key for m in computes if m.root_public_key})

    @property
    def oci_facts(self) -> str:
        controllers = self.node.controllers
        facts = {
            "role": self.member.role,
            "cluster": self.cluster.name,
            # OCI's shape: each controller's product ("none" when unknown), and
            # whether one is a MegaRAID (its ctrl_type LSI-raid).
            "blkdev_ctrls": [c.model or "none" for c in controllers],
            "has_megaraid": any(c.kind == "megaraid" for c in controllers),
            "nic_drivers": list(self.node.nic_drivers),
        }
        return b64(yaml.safe_dump(facts, sort_keys=False))

    # -- the oci server's settings -------------------------------------------

    @property
    def use_http_proxy(self) -> bool:
        return bool(self.snapshot.server.get("http_proxy"))

    @property
    def http_proxy_addr(self) -> str | None:
        proxy = self.snapshot.server.get("http_proxy")
        return str(proxy) if proxy else None

    # -- filebeat ------------------------------------------------------------

    @property
    def filebeat_enable(self) -> bool:
        return bool(self.options.filebeat_enabled)

    @property
    def output_hosts(self) -> list[str] | None:
        hosts = self.options.filebeat_output_hosts
        return str(hosts).split(",") if hosts else None
