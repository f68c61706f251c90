"""Fixed vocabularies shared by the server and ``ocicli`` (plain constants, no imports
but ``typing``).

The CLI offers these as choices in ``--help``; the API validates against the
same tuples and lists them when a value is refused. Each vocabulary is written
once, as a ``Literal`` type (what the API's models and mypy check), and its
tuple is read from it.

The table of cluster and machine options (``CLUSTER_OPTION_SPECS``,
``MACHINE_OPTION_SPECS``) lives here too, for the same reason: the API's models,
ocicli's cluster-set and machine-set flags and the ENC are all made from it.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, get_args

# OpenStack releases Debian packages (oldest first); the default is Debian 13's.
OpenStackRelease = Literal["zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo"]
OPENSTACK_RELEASES: tuple[OpenStackRelease, ...] = get_args(OpenStackRelease)
DEFAULT_OPENSTACK_RELEASE: OpenStackRelease = "epoxy"

# libvirt CPU models offered to instances: pass the host through, or a named model
# common to every compute (mixed hardware needs a model all of them can run).
CpuModel = Literal[
    "host-passthrough",
    "host-model",
    "Haswell-noTSX-IBRS",
    "Broadwell-IBRS",
    "Skylake-Server-IBRS",
    "Cascadelake-Server",
    "Icelake-Server",
    "SapphireRapids",
    "EPYC",
    "EPYC-IBPB",
    "EPYC-Rome",
    "EPYC-Milan",
    "EPYC-Genoa",
]
CPU_MODELS: tuple[CpuModel, ...] = get_args(CpuModel)

SerialConsole = Literal["none", "ttyS0", "ttyS1", "ttyS2", "ttyS3"]
SERIAL_CONSOLES: tuple[SerialConsole, ...] = get_args(SerialConsole)
RaidLevel = Literal["0", "1", "5", "6", "10"]
RAID_LEVELS: tuple[RaidLevel, ...] = get_args(RaidLevel)
GpuDeviceType = Literal["type-PCI", "type-PF", "type-VF"]
GPU_DEVICE_TYPES: tuple[GpuDeviceType, ...] = get_args(GpuDeviceType)

# network-add ROLE: a machine role, or one of these.
#   all           every machine of the cluster in the network's location gets an address
#   vm-net        the VM (tunnel) network: computes, network nodes and controllers
#   ceph-cluster  the Ceph replication network: OSD nodes
#   ovs-bridge    an OVS bridge for VM traffic: no host address
#   ipmi          BMC addresses: no host address
NETWORK_SPECIAL_ROLES = ("all", "vm-net", "ovs-bridge", "ceph-cluster", "ipmi")


# --- cluster and machine options (cluster-set, machine-set) ------------------------
#
# One table of every option: the API's models (oci/enrolment/options.py), ocicli's
# cluster-set and machine-set flags and their --help (oci/cli/option_flags.py) and
# the options the ENC passes to Puppet (oci.enrolment.options.enc_options) are all
# made from it. Names, defaults and the roles whose class receives an option are
# those of Debian's OpenStack Cluster Installer (OCI 42.2.5: its variables.json and
# the option columns of its clusters and machines tables); ``origin="ours"`` marks
# the options oci has and OCI lacks. Descriptions are ours.

OptionScope = Literal["cluster", "machine"]
OPTION_SCOPES: tuple[OptionScope, ...] = get_args(OptionScope)

# How a value is typed and checked:
#   bool      yes/no (the API also takes JSON booleans and true/false); a YAML boolean
#   int       an integer within [low, high]; float: a number within [low, high]
#   enum      one of ``choices``
#   text      one line of printable text (``pattern`` narrows it)
#   host      a DNS host name; email, url, ipv4, ipv6, cidr, mac: what they say
#   duration  an HAProxy time: a number and an optional unit (us, ms, s, m, h, d)
#   name      a cluster name; disks: a list of disk names; gpus: GPU types (machine)
OptionKind = Literal[
    "bool",
    "int",
    "float",
    "enum",
    "text",
    "host",
    "email",
    "url",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "duration",
    "name",
    "disks",
    "gpus",
]

# Where an option reaches Puppet besides oci::ROLE: every node's oci::generic or
# oci::filebeat class.
OptionClass = Literal["generic", "filebeat"]

# A machine option whose value is this takes the cluster's option of the same name.
CLUSTER_VALUE = "cluster_value"
# roles=ALL_ROLES: the option reaches the class of every role.
ALL_ROLES = ("all",)


# A contiguous IPv4 netmask, 128.0.0.0 (/1) to 255.255.255.255 (/32): ones, then zeros.
_MASK_OCTET = "(0|128|192|224|240|248|252|254|255)"
NETMASK_PATTERN = (
    rf"^(255\.255\.255\.{_MASK_OCTET}|255\.255\.{_MASK_OCTET}\.0"
    rf"|255\.{_MASK_OCTET}\.0\.0|(128|192|224|240|248|252|254|255)\.0\.0\.0)$"
)


class OptionSpec(NamedTuple):
    """One option of cluster-set or machine-set."""

    name: str
    scope: OptionScope
    kind: OptionKind
    default: object  # None: unset, Puppet's class default applies
    help: str
    roles: tuple[str, ...] = ()  # roles whose oci::ROLE class receives it; () none
    param: str = ""  # the class parameter it fills, when not ``name``
    classes: tuple[OptionClass, ...] = ()  # also oci::generic / oci::filebeat
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str = ""  # a regular expression a text value must match
    inherit: bool = False  # machine option: "cluster_value" takes the cluster's
    when: str = ""  # passed to Puppet only when this boolean cluster option is true
    unless: str = ""  # passed as false when this boolean machine option is true
    omit_empty: bool = False  # not passed at all when unset or "none"
    origin: Literal["oci", "ours"] = "oci"
    aliases: tuple[str, ...] = ()  # other ocicli spellings, e.g. OCI's

    @property
    def parameter(self) -> str:
        return self.param or self.name


def _c(name: str, kind: OptionKind, default: object, help: str, **more: Any) -> OptionSpec:
    return OptionSpec(name, "cluster", kind, default, help, **more)


def _m(name: str, kind: OptionKind, default: object, help: str, **more: Any) -> OptionSpec:
    return OptionSpec(name, "machine", kind, default, help, **more)


_REGION = (
    "controller",
    "compute",
    "network",
    "volume",
    "messaging",
    "swiftproxy",
    "swiftstore",
    "dns",
    "tempest",
)
_VIP = (
    "controller",
    "compute",
    "network",
    "volume",
    "messaging",
    "cephmon",
    "cephosd",
    "swiftproxy",
    "dns",
    "tempest",
)
_API_CERT = (
    "controller",
    "compute",
    "network",
    "volume",
    "sql",
    "cephmon",
    "cephosd",
    "swiftproxy",
    "swiftstore",
    "debmirror",
    "tempest",
)
_NEUTRON = ("compute", "controller", "network")
_HAPROXY = ("controller", "swiftproxy", "messaging")
_SWIFT = ("swiftproxy", "swiftstore")
_EXTSWIFT = ("controller", "compute", "volume")
_CPU_MODEL = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_CPU_FLAGS = r"^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$"
_WORD = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_WORDS = r"^[A-Za-z0-9_.:/@-]+(,[A-Za-z0-9_.:/@-]+)*$"
_PATH = r"^/[A-Za-z0-9_./-]{0,254}$"

CLUSTER_OPTION_SPECS: tuple[OptionSpec, ...] = (
    # the cluster as a whole
    _c(
        "region_name",
        "text",
        "RegionOne",
        "Keystone region of the cluster's endpoints",
        roles=_REGION,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$",
    ),
    _c(
        "openstack_release",
        "enum",
        None,
        "OpenStack release to install; default: the release of the OpenStack Puppet "
        "modules installed on the oci server (the only one they can deploy)",
        choices=OPENSTACK_RELEASES,
        origin="ours",
    ),
    _c(
        "initial_cluster_setup",
        "bool",
        True,
        "Bootstrap Galera, the VIP, RabbitMQ and Nova cells; turn off once every "
        "controller has run Puppet",
        roles=("controller", "messaging"),
    ),
    _c(
        "vip_hostname",
        "host",
        None,
        "Host name of the API VIP; unset: CLUSTER-api.DOMAIN",
        roles=_VIP,
    ),
    _c(
        "self_signed_api_cert",
        "bool",
        True,
        "oci's CA signs the API certificate (no: the operator brings one)",
        roles=_API_CERT,
    ),
    _c(
        "time_server_host",
        "host",
        "0.debian.pool.ntp.org",
        "NTP server every host follows",
        classes=("generic",),
        aliases=("--time-server",),
    ),
    _c(
        "admin_email_address",
        "email",
        "admin@example.com",
        "Where hosts and services mail the operator",
        roles=("controller", "network"),
        classes=("generic",),
    ),
    _c(
        "mail_relay_host",
        "host",
        "mail.example.com",
        "SMTP relay the hosts send mail through",
        classes=("generic",),
    ),
    _c(
        "generate_root_ssh_keys",
        "bool",
        False,
        "Give root an SSH key pair on every host (computes always get one)",
    ),
    _c(
        "nameserver_v4_prim",
        "ipv4",
        "9.9.9.9",
        "First IPv4 DNS resolver of instances",
        roles=("controller",),
        aliases=("--nameserver-v4-primary",),
    ),
    _c(
        "nameserver_v4_sec",
        "ipv4",
        "8.8.8.8",
        "Second IPv4 DNS resolver of instances",
        roles=("controller",),
        aliases=("--nameserver-v4-secondary",),
    ),
    _c(
        "nameserver_v6_prim",
        "ipv6",
        "2620:fe::fe:9",
        "First IPv6 DNS resolver of instances",
        roles=("controller",),
        aliases=("--nameserver-v6-primary",),
    ),
    _c(
        "nameserver_v6_sec",
        "ipv6",
        "2001:4860:4860::8888",
        "Second IPv6 DNS resolver of instances",
        roles=("controller",),
        aliases=("--nameserver-v6-secondary",),
    ),
    _c(
        "use_ovs_ifaces",
        "bool",
        False,
        "The installer puts the management and VM networks on Open vSwitch interfaces "
        "(OCI: its installer's ovsifaces=yes, not the ENC)",
    ),
    _c(
        "cephosd_automatic_provisionning",
        "bool",
        True,
        "Ceph OSD nodes create OSDs on their blank disks by themselves (OCI: a flag file "
        "its installer writes on cephosd nodes, not the ENC); OCI's spelling",
    ),
    _c(
        "disable_notifications",
        "bool",
        False,
        "Services send no notifications on the message bus",
        roles=("controller", "compute", "network", "volume"),
    ),
    # monitoring
    _c(
        "enable_monitoring_graphs",
        "bool",
        False,
        "Send service metrics to Graphite",
        roles=("controller", "compute"),
    ),
    _c(
        "monitoring_graphite_host",
        "host",
        None,
        "Graphite server that receives metrics",
        roles=("controller", "compute", "swiftproxy", "swiftstore"),
    ),
    _c(
        "monitoring_graphite_port",
        "int",
        2003,
        "Graphite server's port",
        low=1,
        high=65535,
        roles=("controller", "compute", "swiftproxy", "swiftstore"),
    ),
    _c(
        "statsd_hostname", "host", None, "StatsD server that receives Swift's metrics", roles=_SWIFT
    ),
    # HAProxy and rate limits
    _c(
        "haproxy_custom_url",
        "url",
        None,
        "Extra backend URL the API HAProxy serves",
        roles=("controller",),
    ),
    _c(
        "haproxy_timeout_http_request",
        "duration",
        "10s",
        "HAProxy: time to receive a request",
        roles=_HAPROXY,
    ),
    _c(
        "haproxy_timeout_queue",
        "duration",
        "1m",
        "HAProxy: longest wait in the queue",
        roles=_HAPROXY,
    ),
    _c(
        "haproxy_timeout_connect",
        "duration",
        "10s",
        "HAProxy: time to connect to a backend",
        roles=_HAPROXY,
    ),
    _c(
        "haproxy_timeout_client",
        "duration",
        "1m",
        "HAProxy: client inactivity timeout",
        roles=_HAPROXY,
    ),
    _c(
        "haproxy_timeout_server",
        "duration",
        "1m",
        "HAProxy: backend inactivity timeout",
        roles=_HAPROXY,
    ),
    _c("haproxy_timeout_check", "duration", "10s", "HAProxy: health check timeout", roles=_HAPROXY),
    _c(
        "api_disable_rate_limit",
        "bool",
        False,
        "No rate limit in front of the APIs",
        roles=("controller",),
    ),
    _c(
        "api_iptables_rate_limit",
        "int",
        100,
        "New API connections a second per source (iptables)",
        low=1,
        high=1_000_000,
        roles=("controller",),
    ),
    _c(
        "api_haproxy_rate_limit",
        "int",
        80,
        "API requests a second per source (HAProxy)",
        low=1,
        high=1_000_000,
        roles=("controller",),
    ),
    _c(
        "api_rate_limit_whitelist",
        "text",
        "10.4.38.0/24",
        "Sources never rate limited (CIDRs, comma-separated)",
        roles=("controller",),
        pattern=_WORDS,
    ),
    _c(
        "swift_proxy_disable_rate_limit",
        "bool",
        False,
        "No rate limit in front of Swift",
        roles=("swiftproxy",),
    ),
    _c(
        "swift_proxy_iptables_rate_limit",
        "int",
        100,
        "New Swift connections a second per source (iptables)",
        low=1,
        high=1_000_000,
        roles=("swiftproxy",),
    ),
    _c(
        "swift_proxy_haproxy_rate_limit",
        "int",
        80,
        "Swift requests a second per source (HAProxy)",
        low=1,
        high=1_000_000,
        roles=("swiftproxy",),
    ),
    # instances' CPUs (computes may override each)
    _c("nested_virt", "bool", False, "Instances may run virtual machines themselves"),
    _c(
        "cpu_mode",
        "enum",
        "host-passthrough",
        "libvirt CPU mode of instances; custom uses cpu_model",
        choices=("host-passthrough", "host-model", "custom"),
    ),
    _c(
        "cpu_model",
        "text",
        None,
        "libvirt CPU model of instances with cpu_mode custom, e.g. EPYC-Rome; setting it "
        "alone implies cpu_mode custom",
        pattern=_CPU_MODEL,
    ),
    _c(
        "cpu_model_extra_flags",
        "text",
        None,
        "CPU flags added to the model (comma-separated), e.g. pcid,+ssbd",
        pattern=_CPU_FLAGS,
    ),
    # Nova
    _c(
        "nested_openstack",
        "bool",
        False,
        "The cluster itself runs inside instances",
        roles=("compute",),
    ),
    _c(
        "nova_limit_tenants_to_placement_aggregate",
        "bool",
        False,
        "Projects land only on the aggregates they are mapped to",
        roles=("controller",),
    ),
    _c(
        "nova_scheduler_prefers_hosts_with_more_ram",
        "bool",
        True,
        "The scheduler spreads instances to the computes with the most free RAM",
        roles=("controller",),
    ),
    # Neutron
    _c(
        "bgp_to_the_host",
        "bool",
        False,
        "L3-only fabric: hosts peer by BGP with their top-of-rack switches over IPv6 "
        "link-local; host addresses live on the loopback",
        roles=_NEUTRON,
        unless="force_no_bgp2host",
        aliases=("--bgp-to-host",),
    ),
    _c(
        "bgp_asn_base",
        "int",
        4_200_000_000,
        "Private ASN of the first host; each host's ASN adds its machine id",
        low=64_512,
        high=4_294_000_000,
        origin="ours",
    ),
    _c("asn", "int", 0, "AS number of the cluster (0: none)", low=0, high=4_294_967_295),
    _c("dhcp_domain", "host", None, "Domain Neutron's DHCP gives instances", roles=_NEUTRON),
    _c(
        "neutron_global_physnet_mtu",
        "int",
        8950,
        "MTU of the physical networks",
        low=576,
        high=9216,
        roles=_NEUTRON,
    ),
    _c(
        "neutron_path_mtu",
        "int",
        1550,
        "Largest MTU of the underlay path (VXLAN)",
        low=576,
        high=9216,
        roles=_NEUTRON,
    ),
    _c(
        "neutron_dns_domain",
        "text",
        "example.com.",
        "DNS domain of instance ports (ends with a dot)",
        roles=_NEUTRON,
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+$",
    ),
    _c(
        "neutron_use_dvr",
        "bool",
        True,
        "Distributed virtual routers on the computes",
        roles=_NEUTRON,
    ),
    _c(
        "neutron_vxlan_vni_min",
        "int",
        1000,
        "First VXLAN VNI of tenant networks",
        low=1,
        high=16_777_215,
        roles=_NEUTRON,
    ),
    _c(
        "neutron_vxlan_vni_max",
        "int",
        9999,
        "Last VXLAN VNI of tenant networks",
        low=1,
        high=16_777_215,
        roles=_NEUTRON,
    ),
    # services to install
    _c("install_designate", "bool", False, "Install Designate (DNS as a service)", roles=_NEUTRON),
    _c("install_panko", "bool", False, "Install Panko (event storage)", roles=("controller",)),
    _c(
        "install_magnum",
        "bool",
        False,
        "Install Magnum (Kubernetes clusters)",
        roles=("controller",),
    ),
    _c(
        "install_manila",
        "bool",
        False,
        "Install Manila (shared file systems)",
        roles=("controller", "compute"),
    ),
    _c("install_octavia", "bool", True, "Install Octavia (load balancers)", roles=("controller",)),
    _c(
        "install_telemetry",
        "bool",
        True,
        "Install telemetry (Ceilometer, Gnocchi, Aodh)",
        roles=("controller", "compute", "swiftproxy"),
    ),
    _c(
        "install_cloudkitty_dashboard",
        "bool",
        True,
        "Install CloudKitty's Horizon panel",
        roles=("controller",),
    ),
    _c(
        "horizon_themes",
        "text",
        "default@Default@themes/default:material@Material@themes/material",
        "Horizon themes: NAME@LABEL@PATH, colon-separated",
        roles=("controller",),
        pattern=r"^[^\s]{1,255}$",
    ),
    _c(
        "amp_secgroup_list",
        "text",
        None,
        "Security group IDs of Octavia's amphorae",
        roles=("controller",),
        pattern=_WORDS,
    ),
    _c(
        "amp_boot_network_list",
        "text",
        None,
        "Network IDs Octavia's amphorae boot on",
        roles=("controller",),
        pattern=_WORDS,
    ),
    _c(
        "aodh_notifier_use_proxy",
        "bool",
        False,
        "Aodh reaches alarm webhooks through a proxy",
        roles=("controller",),
    ),
    _c(
        "aodh_notifier_proxy_url",
        "url",
        "http://myproxy.example.com:3128/",
        "The proxy Aodh's notifier uses",
        roles=("controller",),
    ),
    _c(
        "manila_network_cidr",
        "cidr",
        "10.240.0.0/12",
        "Network Manila's share servers use",
        roles=("controller", "compute"),
    ),
    _c(
        "manila_network_division_mask",
        "int",
        27,
        "Prefix length of each share network cut from it",
        low=1,
        high=32,
        roles=("controller", "compute"),
    ),
    _c("designate_ns1", "host", "ns1.example.com", "First name server of Designate's zones"),
    _c("designate_ns2", "host", "ns2.example.com", "Second name server of Designate's zones"),
    _c(
        "messaging_node_memcache_memory_limit",
        "int",
        20,
        "Memcached memory on messaging nodes (percent of RAM)",
        low=1,
        high=100,
        roles=("messaging",),
    ),
    _c(
        "messaging_node_memcache_max_connections",
        "int",
        65536,
        "Memcached connections on messaging nodes",
        low=1,
        high=10_000_000,
        roles=("messaging",),
    ),
    _c(
        "cloudkitty_http_pool_maxsize",
        "int",
        10,
        "CloudKitty's parallel connections to Gnocchi",
        low=1,
        high=10_000,
        roles=("messaging",),
    ),
    # images and volumes
    _c(
        "glance_metadef_admin_only",
        "bool",
        True,
        "Only admins change Glance's metadata definitions",
        roles=("controller",),
    ),
    _c(
        "glance_prefer_ceph_over_swift",
        "bool",
        True,
        "Images go to Ceph rather than Swift when both exist",
        roles=("controller",),
    ),
    _c(
        "cinder_default_storage_availability_zone",
        "text",
        "nova",
        "Availability zone of volumes that name none",
        roles=("controller",),
        pattern=_WORD,
    ),
    _c(
        "cinder_default_volume_type",
        "text",
        "LVM_1",
        "Volume type of volumes that name none",
        roles=("controller",),
        pattern=_WORD,
    ),
    _c(
        "cinder_backup_prefer_swift",
        "bool",
        True,
        "Volume backups go to Swift rather than Ceph when both exist",
    ),
    _c(
        "cinder_backup_use_external_swift",
        "bool",
        True,
        "Volume backups may go to an external Swift (extswift_*)",
        roles=("controller", "compute"),
    ),
    _c(
        "remote_swift_cluster",
        "name",
        None,
        "A Swift-only cluster where this cluster's Glance images and Cinder backups are stored",
        origin="ours",
    ),
    # Swift
    _c(
        "swift_part_power",
        "int",
        19,
        "Swift ring partition power (fixed once rings exist)",
        low=6,
        high=24,
    ),
    _c("swift_replicas", "int", 3, "Swift replicas", low=1, high=6),
    _c(
        "swift_min_part_hours",
        "int",
        1,
        "Hours before a Swift partition may move again",
        low=0,
        high=168,
    ),
    _c(
        "swift_proxy_hostname",
        "host",
        None,
        "Public host name of the Swift proxies",
        roles=("controller", "swiftproxy"),
        param="swiftproxy_hostname",
    ),
    _c(
        "swift_encryption_key_id",
        "text",
        None,
        "Barbican key that encrypts Swift objects at rest",
        roles=("swiftproxy",),
        pattern=r"^[A-Za-z0-9-]{1,128}$",
    ),
    _c(
        "swift_disable_encryption",
        "bool",
        True,
        "Swift stores objects unencrypted",
        roles=("swiftproxy",),
    ),
    _c(
        "swift_object_replicator_concurrency",
        "int",
        5,
        "Parallel jobs of each Swift object replicator",
        low=1,
        high=1024,
        roles=_SWIFT,
    ),
    _c(
        "swift_rsync_connection_limit",
        "int",
        16,
        "rsync connections a Swift node accepts",
        low=1,
        high=1024,
        roles=_SWIFT,
    ),
    _c(
        "swift_public_cloud_middlewares",
        "bool",
        False,
        "Swift middlewares a public cloud needs (rate limits, quotas...)",
        roles=("swiftproxy",),
    ),
    _c(
        "swift_ec_enable",
        "bool",
        False,
        "Add an erasure-coded Swift storage policy",
        roles=("swiftproxy",),
    ),
    _c(
        "swift_ec_policy_index",
        "int",
        1,
        "Index of the erasure-coded policy",
        low=1,
        high=1024,
        roles=("swiftproxy",),
    ),
    _c(
        "swift_ec_policy_name",
        "text",
        "pyeclib-12-4",
        "Name of the erasure-coded policy",
        roles=("swiftproxy",),
        pattern=_WORD,
    ),
    _c(
        "swift_ec_type",
        "text",
        "liberasurecode_rs_vand",
        "Erasure code library and type",
        roles=("swiftproxy",),
        pattern=_WORD,
    ),
    _c(
        "swift_ec_num_data_fragments",
        "int",
        12,
        "Data fragments of each object",
        low=1,
        high=256,
        roles=("swiftproxy",),
    ),
    _c(
        "swift_ec_num_parity_fragments",
        "int",
        4,
        "Parity fragments of each object",
        low=1,
        high=256,
        roles=("swiftproxy",),
    ),
    _c(
        "swift_ec_object_segment_size",
        "int",
        1_048_576,
        "Erasure-coded segment size (bytes)",
        low=1,
        high=2**31 - 1,
        roles=("swiftproxy",),
    ),
    _c(
        "extswift_use_external",
        "bool",
        False,
        "Store images and backups in another cloud's Swift (extswift_*)",
        roles=_EXTSWIFT,
    ),
    _c(
        "extswift_auth_url",
        "url",
        "https://api.example.com/identity",
        "Keystone URL of the external Swift",
        roles=_EXTSWIFT,
        when="extswift_use_external",
    ),
    _c(
        "extswift_region",
        "text",
        "RegionOne",
        "Region of the external Swift",
        roles=_EXTSWIFT,
        when="extswift_use_external",
        pattern=_WORD,
    ),
    _c(
        "extswift_proxy_url",
        "url",
        "https://prx.example.com/object/v1/AUTH_",
        "Endpoint of the external Swift, up to AUTH_",
        roles=_EXTSWIFT,
        when="extswift_use_external",
    ),
    _c(
        "extswift_project_name",
        "text",
        None,
        "Project on the external Swift",
        roles=_EXTSWIFT,
        when="extswift_use_external",
        pattern=_WORD,
    ),
    _c(
        "extswift_project_domain_name",
        "text",
        "default",
        "Domain of that project",
        roles=_EXTSWIFT,
        when="extswift_use_external",
        pattern=_WORD,
    ),
    _c(
        "extswift_user_name",
        "text",
        None,
        "User on the external Swift",
        roles=_EXTSWIFT,
        when="extswift_use_external",
        pattern=_WORD,
    ),
    _c(
        "extswift_user_domain_name",
        "text",
        "default",
        "Domain of that user",
        roles=_EXTSWIFT,
        when="extswift_use_external",
        pattern=_WORD,
    ),
    _c(
        "extswift_password",
        "text",
        None,
        "Password of that user",
        roles=_EXTSWIFT,
        when="extswift_use_external",
        pattern=r"^[^\s]{1,128}$",
    ),
    # Filebeat (every node's oci::filebeat)
    _c(
        "filebeat_enabled",
        "bool",
        False,
        "Ship the hosts' logs with Filebeat",
        classes=("filebeat",),
        param="filebeat_enable",
    ),
    _c(
        "filebeat_fields_under_root",
        "bool",
        True,
        "Filebeat puts custom fields at the top level",
        classes=("filebeat",),
        param="fields_under_root",
    ),
    _c(
        "filebeat_output_hosts",
        "text",
        None,
        "Where Filebeat ships logs: HOST:PORT[,HOST:PORT...] (OCI's filebeat-output-host-*)",
        origin="ours",  # OCI keeps them in a table of their own
        pattern=r"^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}(,[A-Za-z0-9.-]{1,253}:[0-9]{1,5}){0,31}$",
    ),
    _c(
        "filebeat_logging_level",
        "enum",
        "info",
        "Filebeat's own log level",
        choices=("debug", "info", "warning", "error"),
        classes=("filebeat",),
        param="logging_level",
    ),
    _c(
        "filebeat_logging_syslog",
        "bool",
        False,
        "Filebeat logs to syslog",
        classes=("filebeat",),
        param="logging_syslog",
    ),
    _c(
        "filebeat_logging_files",
        "bool",
        True,
        "Filebeat logs to files",
        classes=("filebeat",),
        param="logging_files",
    ),
    _c(
        "filebeat_logging_files_path",
        "text",
        "/var/log/filebeat",
        "Directory of those files",
        classes=("filebeat",),
        param="logging_files_path",
        pattern=_PATH,
    ),
    _c(
        "filebeat_logging_files_name",
        "text",
        "filebeat",
        "Name of those files",
        classes=("filebeat",),
        param="logging_files_name",
        pattern=_WORD,
    ),
)

_CPU_MODES = ("host-passthrough", "host-model", "custom")

MACHINE_OPTION_SPECS: tuple[OptionSpec, ...] = (
    _m(
        "notes",
        "text",
        None,
        "The operator's note on this machine (not passed to Puppet)",
        pattern=r"^[^\x00-\x1f\x7f]{1,256}$",
    ),
    # installing the OS
    _m(
        "install_on_raid",
        "bool",
        False,
        "Install the OS on software RAID (raid_type, raid_devices)",
    ),
    _m("raid_type", "enum", "1", "RAID level of the system disks", choices=RAID_LEVELS),
    _m(
        "raid_devices",
        "disks",
        (),
        "Disks of the RAID, e.g. sda sdb (OCI's --raid-dev0 .. --raid-dev3, in order)",
        origin="ours",
        aliases=("--raid-dev", "--raid-dev0", "--raid-dev1", "--raid-dev2", "--raid-dev3"),
    ),
    _m(
        "dest_blk",
        "text",
        None,
        "Disk to install the OS on, e.g. sda, one of the machine's (unset, or OCI's none: "
        "the smallest disk that holds the system; not with install_on_raid)",
        pattern=r"^[a-z][a-z0-9]{1,31}$",
    ),
    # the BMC's LAN (machine-ipmi-setup, machine-apply-ipmi); not passed to Puppet
    _m(
        "ipmi_netmask",
        "ipv4",
        None,
        "Netmask of the BMC's address, e.g. 255.255.255.0 (unset: the ipmi network's)",
        pattern=NETMASK_PATTERN,
    ),
    _m(
        "ipmi_default_gw",
        "ipv4",
        None,
        "Default gateway of the BMC (unset: the first host of its network)",
    ),
    _m(
        "ipmi_vlan",
        "int",
        None,
        "VLAN ID the BMC tags its traffic with (unset: the ipmi network's VLAN, if any)",
        low=1,
        high=4094,
    ),
    _m(
        "serial_console",
        "enum",
        "ttyS0",
        "Serial console of the installed system",
        choices=SERIAL_CONSOLES,
        origin="ours",
        aliases=("--serial-console-device",),
    ),
    _m(
        "kernel_from_backports",
        "bool",
        False,
        "Run the kernel of Debian's backports",
        roles=ALL_ROLES,
    ),
    _m(
        "brex_macaddr",
        "mac",
        "none",
        "MAC address given to br-ex (none: its own)",
        roles=("controller", "compute", "network"),
    ),
    # computes
    _m(
        "nested_virt",
        "bool",
        CLUSTER_VALUE,
        "Instances may run virtual machines themselves",
        roles=("compute",),
        inherit=True,
    ),
    _m(
        "cpu_mode",
        "enum",
        CLUSTER_VALUE,
        "libvirt CPU mode of this compute's instances",
        choices=_CPU_MODES,
        roles=("compute",),
        inherit=True,
    ),
    _m(
        "cpu_model",
        "text",
        CLUSTER_VALUE,
        "libvirt CPU model of this compute's instances; setting it alone implies cpu_mode custom",
        pattern=_CPU_MODEL,
        roles=("compute",),
        inherit=True,
    ),
    _m(
        "cpu_model_extra_flags",
        "text",
        CLUSTER_VALUE,
        "CPU flags added to the model (comma-separated; none: no flags)",
        pattern=_CPU_FLAGS,
        roles=("compute",),
        inherit=True,
        omit_empty=True,
    ),
    _m("gpus", "gpus", (), "GPU types passed through to instances", origin="ours"),
    _m(
        "use_ceph_if_available",
        "bool",
        False,
        "Instance disks of this compute go to Ceph",
        roles=("compute",),
        aliases=("--use_ceph_if_available", "--use-ceph"),
    ),
    _m(
        "compute_is_cephosd",
        "bool",
        False,
        "Hyper-converged: this compute also runs Ceph OSDs",
        roles=("compute",),
    ),
    _m(
        "cpu_allocation_ratio",
        "float",
        16.0,
        "Virtual CPUs per physical CPU",
        low=0.0,
        high=1024.0,
        roles=("compute",),
    ),
    _m(
        "ram_allocation_ratio",
        "float",
        1.5,
        "Instance RAM per physical RAM",
        low=0.0,
        high=64.0,
        roles=("compute",),
    ),
    _m(
        "disk_allocation_ratio",
        "float",
        1.0,
        "Instance disk per physical disk",
        low=0.0,
        high=64.0,
        roles=("compute",),
    ),
    _m(
        "nova_reserved_host_memory_mb",
        "int",
        16384,
        "RAM kept for the host (MiB)",
        low=0,
        high=2**31 - 1,
        roles=("compute",),
    ),
    _m(
        "nova_reserved_host_disk_mb",
        "int",
        10240,
        "Disk kept for the host (MiB)",
        low=0,
        high=2**31 - 1,
        roles=("compute",),
    ),
    _m(
        "manila_share_install", "bool", False, "Run Manila's share service here", roles=("compute",)
    ),
    _m(
        "force_dhcp_agent",
        "bool",
        False,
        "Run a Neutron DHCP agent here even when the cluster has network nodes",
    ),
    _m(
        "neutron_external_network_name",
        "text",
        "external",
        "Neutron's external network",
        roles=("compute", "network"),
        pattern=_WORD,
    ),
    _m(
        "neutron_install_dragent",
        "bool",
        False,
        "Run Neutron's BGP dynamic routing agent here",
        roles=("compute", "network"),
    ),
    _m("force_no_bgp2host", "bool", False, "No BGP to the host here even if the cluster has it"),
    # Ceph
    _m(
        "ceph_osd_initial_setup",
        "bool",
        True,
        "Puppet creates the OSDs on this node's disks",
        roles=("cephosd",),
    ),
    # Cinder volume nodes
    _m(
        "lvm_backend_name",
        "text",
        "LVM_1",
        "Cinder backend name of this node's LVM",
        roles=("volume",),
        pattern=_WORD,
    ),
    _m(
        "availability_zone",
        "text",
        "nova",
        "Availability zone of this node's volumes",
        roles=("volume",),
        pattern=_WORD,
    ),
    _m(
        "volume_copy_bps_limit",
        "int",
        1_073_741_824,
        "Volume copy bandwidth (bytes/s, 0: no limit)",
        low=0,
        high=2**63 - 1,
        roles=("volume",),
    ),
    _m(
        "cinder_reserved_percentage",
        "int",
        10,
        "Capacity Cinder keeps free (percent)",
        low=0,
        high=100,
        roles=("volume",),
    ),
    _m(
        "cinder_max_over_subscription_ratio",
        "float",
        4.0,
        "Thin-provisioning over-subscription ratio",
        low=1.0,
        high=1000.0,
        roles=("volume",),
    ),
    _m(
        "cinder_enabled_backends",
        "text",
        "no-override",
        "Backends of this node, colon-separated (no-override: OCI's one LVM)",
        roles=("volume",),
        pattern=r"^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*$",
    ),
    _m(
        "cinder_separate_volume_groups",
        "bool",
        False,
        "One volume group per backend",
        roles=("volume",),
    ),
    # Swift nodes
    _m("swift_store_account", "bool", True, "This node stores Swift accounts", roles=_SWIFT),
    _m("swift_store_container", "bool", True, "This node stores Swift containers", roles=_SWIFT),
    _m("swift_store_object", "bool", True, "This node stores Swift objects", roles=_SWIFT),
    _m(
        "use_oci_sort_dev",
        "bool",
        False,
        "Order Swift disks by their slot, not their name",
        roles=_SWIFT,
    ),
    _m(
        "servers_per_port",
        "int",
        1,
        "Swift object servers per disk port",
        low=0,
        high=64,
        roles=_SWIFT,
    ),
    _m(
        "network_chunk_size",
        "int",
        65535,
        "Swift network chunk size (bytes)",
        low=1,
        high=2**31 - 1,
        roles=_SWIFT,
    ),
    _m(
        "disk_chunk_size",
        "int",
        524288,
        "Swift disk chunk size (bytes)",
        low=1,
        high=2**31 - 1,
        roles=_SWIFT,
    ),
    _m(
        "swift_rsync_io_limit_activate",
        "bool",
        False,
        "Throttle Swift's rsync disk I/O",
        roles=_SWIFT,
    ),
    _m(
        "swift_rsync_io_limit_megabytes",
        "int",
        80,
        "rsync I/O limit (MB/s)",
        low=1,
        high=100_000,
        roles=_SWIFT,
    ),
    _m(
        "swift_rsync_io_limit_iops",
        "int",
        100,
        "rsync I/O limit (operations/s)",
        low=1,
        high=10_000_000,
        roles=_SWIFT,
    ),
)

OPTION_SPECS: tuple[OptionSpec, ...] = CLUSTER_OPTION_SPECS + MACHINE_OPTION_SPECS
