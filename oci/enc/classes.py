"""Which classes a node gets and which parameters each receives: declared tables (pure).

Every node gets ``oci::generic``, ``oci::filebeat`` and the class of its role
(Debian's puppet-module-oci). Each class receives the parameters listed here,
as OCI's ENC gives them; a parameter's value comes from, in this order:
the secrets table (oci.enc.secrets), ``Values`` (oci.enc.values: computed from
the cluster), the machine's options, then the cluster's options (the typed
table of oci.enrolment.options, whose names are OCI's). A name that none of
them knows is a bug the unit tests catch for every role.
"""

from __future__ import annotations

from typing import Any

from oci.choices import CLUSTER_OPTION_SPECS, MACHINE_OPTION_SPECS
from oci.enc import secrets
from oci.enc.hosts import etc_hosts
from oci.enc.snapshot import Snapshot
from oci.enc.values import Values, b64
from oci.enrolment.options import enc_options

_MACHINE = "region_name openstack_release machine_hostname machine_ip"
_MASTERS = "first_master first_master_ip all_masters all_masters_ip"
_VIP = "vip_hostname vip_ipaddr vip_netmask self_signed_api_cert"
_NET = "network_ipaddr network_cidr"
_RABBITS = "messaging_nodes_for_notifs all_rabbits all_rabbits_ips"
_EXTSWIFT = (
    "extswift_use_external extswift_auth_url extswift_region extswift_proxy_url "
    "extswift_project_name extswift_project_domain_name extswift_user_name "
    "extswift_user_domain_name extswift_password"
)
_NEUTRON = "bridge_mapping_list external_network_list vmnet_ip"
_CEPH_MONS = "ceph_mon_initial_members ceph_mon_host"
_HAPROXY = (
    "haproxy_timeout_http_request haproxy_timeout_queue haproxy_timeout_connect "
    "haproxy_timeout_client haproxy_timeout_server haproxy_timeout_check"
)
_SQL_NODES = (
    "first_sql first_sql_ip is_first_sql sql_vip_ip sql_vip_netmask sql_vip_iface "
    "all_sql all_sql_ip all_sql_ids non_master_sql non_master_sql_ip"
)
_SWIFT_NODES = "all_swiftstore all_swiftstore_ip all_swiftproxy all_swiftproxy_ip"
_SWIFT_RSYNC = (
    "servers_per_port network_chunk_size disk_chunk_size swift_rsync_io_limit_activate "
    "swift_rsync_io_limit_megabytes swift_rsync_io_limit_iops"
)
_SUBROLES = (
    "has_subrole_glance has_subrole_nova has_subrole_neutron has_subrole_cinder "
    "has_subrole_gnocchi has_subrole_ceilometer has_subrole_panko has_subrole_cloudkitty "
    "has_subrole_aodh has_subrole_octavia"
)

# class -> the parameters it receives (secrets apart)
PARAMETERS: dict[str, str] = {
    "controller": f"""{_MACHINE} cluster_name {_NEUTRON} machine_iface compute_nodes
        compute_nodes_ip volume_nodes volume_nodes_ip {_RABBITS} is_first_master {_MASTERS}
        non_first_master_controllers non_first_master_controllers_ip other_masters
        other_masters_ip all_masters_ids {_VIP} swiftproxy_hostname {_NET} has_subrole_db
        {_SQL_NODES} initial_cluster_setup amp_secgroup_list amp_boot_network_list
        {_SUBROLES} has_subrole_swift has_subrole_gnocchi_services has_subrole_magnum
        has_subrole_manila has_subrole_designate designate_pools_yaml dns_nodes dns_nodes_ip
        has_subrole_network_node glance_backend cinder_backup_backend haproxy_custom_url
        all_swiftproxy all_swiftproxy_ip cluster_has_cinder_volumes cluster_has_osds
        cluster_has_mons {_CEPH_MONS} disable_notifications enable_monitoring_graphs
        monitoring_graphite_host monitoring_graphite_port {_EXTSWIFT} use_gpu gpu_def
        use_dynamic_routing bgp_to_the_host no_api_rate_limit_networks nameserver_v4_prim
        nameserver_v4_sec nameserver_v6_prim nameserver_v6_sec neutron_global_physnet_mtu
        neutron_path_mtu cinder_default_storage_availability_zone cinder_default_volume_type
        cinder_backup_use_external_swift dhcp_domain nova_limit_tenants_to_placement_aggregate
        nova_scheduler_prefers_hosts_with_more_ram neutron_dns_domain admin_email_address
        glance_prefer_ceph_over_swift install_magnum install_designate install_panko
        install_manila install_octavia install_telemetry install_cloudkitty_dashboard
        neutron_use_dvr api_disable_rate_limit api_iptables_rate_limit api_haproxy_rate_limit
        api_rate_limit_whitelist glance_metadef_admin_only aodh_notifier_use_proxy
        aodh_notifier_proxy_url manila_network_cidr manila_network_division_mask horizon_themes
        kernel_from_backports brex_macaddr neutron_vxlan_vni_min neutron_vxlan_vni_max
        {_HAPROXY}""",
    "compute": f"""{_MACHINE} cluster_name cluster_domain {_NEUTRON} {_MASTERS} {_EXTSWIFT}
        {_RABBITS} {_VIP} sql_vip_ip {_NET} has_subrole_ceilometer cluster_has_osds
        use_ceph_if_available {_CEPH_MONS} disable_notifications enable_monitoring_graphs
        monitoring_graphite_host monitoring_graphite_port use_gpu gpu_name gpu_vendor_id
        gpu_product_id gpu_device_type vfio_ids has_subrole_dhcp_agent nested_virt cpu_mode
        cpu_model cpu_model_extra_flags backup_backend has_subrole_designate
        use_dynamic_routing block_devices has_subrole_manila cinder_backup_use_external_swift
        neutron_global_physnet_mtu neutron_path_mtu cpu_allocation_ratio ram_allocation_ratio
        disk_allocation_ratio dhcp_domain neutron_dns_domain neutron_install_dragent
        neutron_use_dvr nova_reserved_host_memory_mb nova_reserved_host_disk_mb
        neutron_external_network_name compute_is_cephosd manila_share_install
        install_designate install_manila install_telemetry manila_network_cidr
        manila_network_division_mask kernel_from_backports brex_macaddr nested_openstack
        neutron_vxlan_vni_min neutron_vxlan_vni_max bgp_to_the_host""",
    "network": f"""{_MACHINE} cluster_name cluster_domain {_NEUTRON} {_MASTERS} {_RABBITS}
        {_VIP} sql_vip_ip {_NET} disable_notifications has_subrole_designate
        use_dynamic_routing neutron_global_physnet_mtu neutron_path_mtu bgp_to_the_host
        dhcp_domain neutron_dns_domain admin_email_address neutron_install_dragent
        neutron_use_dvr neutron_external_network_name kernel_from_backports install_designate
        brex_macaddr neutron_vxlan_vni_min neutron_vxlan_vni_max""",
    "volume": f"""{_MACHINE} {_MASTERS} {_VIP} sql_vip_ip {_NET} {_RABBITS} block_devices
        vgname backup_backend cluster_has_osds {_CEPH_MONS} {_EXTSWIFT}
        disable_notifications enabled_backend_list lvm_backend_name availability_zone
        cinder_reserved_percentage cinder_max_over_subscription_ratio volume_copy_bps_limit
        cinder_enabled_backends cinder_separate_volume_groups kernel_from_backports""",
    "sql": f"""cluster_name machine_hostname machine_ip {_NET} {_SQL_NODES} {_SUBROLES}
        has_subrole_heat has_subrole_barbican self_signed_api_cert kernel_from_backports""",
    "messaging": f"""{_MACHINE} cluster_name machine_iface {_MASTERS} vip_hostname vip_ipaddr
        vip_netmask sql_vip_ip sql_vip_netmask sql_vip_iface is_first_rabbit first_rabbit
        all_rabbits all_rabbits_ids all_rabbits_ips initial_cluster_setup messaging_vip_ipaddr
        messaging_vip_network messaging_vip_cidr messaging_other_nodes
        messaging_other_nodes_ips {_SUBROLES} has_subrole_swift has_subrole_magnum
        has_subrole_manila has_subrole_designate {_CEPH_MONS} cloudkitty_http_pool_maxsize
        messaging_node_memcache_memory_limit messaging_node_memcache_max_connections
        kernel_from_backports {_HAPROXY}""",
    "cephmon": f"""machine_hostname machine_ip vip_hostname vip_ipaddr vip_netmask {_NET}
        {_CEPH_MONS} self_signed_api_cert kernel_from_backports""",
    "cephosd": f"""machine_hostname machine_ip vip_hostname vip_ipaddr vip_netmask {_NET}
        ceph_osd_initial_setup block_devices {_CEPH_MONS} use_ceph_cluster_net cephnet_ip
        cephnet_network_addr cephnet_network_cidr cephnet_mtu self_signed_api_cert
        bgp_to_the_host
        kernel_from_backports""",
    "swiftproxy": f"""{_MACHINE} {_MASTERS} {_VIP} {_NET} {_SWIFT_NODES} swiftproxy_hostname
        swiftregion_id statsd_hostname monitoring_graphite_host monitoring_graphite_port
        swift_encryption_key_id swift_disable_encryption object_expirer_enable
        swift_public_cloud_middlewares swift_object_replicator_concurrency
        swift_rsync_connection_limit block_devices use_oci_sort_dev {_RABBITS}
        swift_store_account swift_store_container swift_store_object
        swift_storage_allowed_networks enable_ceilometer_middleware no_api_rate_limit_networks
        {_SWIFT_RSYNC} swift_proxy_disable_rate_limit swift_proxy_iptables_rate_limit
        swift_proxy_haproxy_rate_limit swift_ec_enable swift_ec_policy_index
        swift_ec_policy_name swift_ec_type swift_ec_num_data_fragments
        swift_ec_num_parity_fragments swift_ec_object_segment_size kernel_from_backports
        install_telemetry {_HAPROXY}""",
    "swiftstore": f"""region_name machine_hostname machine_ip {_NET} block_devices
        use_oci_sort_dev statsd_hostname zoneid {_SWIFT_NODES} monitoring_graphite_host
        monitoring_graphite_port swift_object_replicator_concurrency
        swift_rsync_connection_limit self_signed_api_cert swift_store_account
        swift_store_container swift_store_object swift_storage_allowed_networks {_SWIFT_RSYNC}
        kernel_from_backports""",
    "dns": """region_name openstack_release cluster_name machine_hostname machine_ip
        vip_hostname all_masters all_masters_ip kernel_from_backports""",
    "debmirror": "machine_hostname machine_ip self_signed_api_cert kernel_from_backports",
}

GENERIC = """machine_hostname machine_role admin_email_address mail_relay_host use_http_proxy
    http_proxy_addr ssh_listen_ips time_server_host generate_root_ssh_keys oci_facts"""
FILEBEAT = "cluster_name machine_role filebeat_enable"
FILEBEAT_OUTPUT = """fields_under_root output_hosts logging_level logging_syslog logging_files
    logging_files_path logging_files_name"""

# Roles whose secrets include Ceph's only when the cluster has OSDs (OCI's rule).
CEPH_SECRETS = frozenset(
    {
        "ceph_fsid",
        "ceph_libvirtuuid",
        "ceph_bootstrap_osd_key",
        "ceph_admin_key",
        "ceph_mon_key",
        "ceph_mgr_key",
        "ceph_openstack_key",
    }
)
CEPH_ROLES = frozenset({"cephmon", "cephosd"})

# filebeat: the logs each role ships (log_SERVICE: true), when filebeat is enabled.
LOGS: dict[str, str] = {
    "controller": """apache2 haproxy horizon keystone memcached mysql rabbitmq glance nova
        neutron placement heat barbican cinder aodh octavia magnum designate zookeeper""",
    "compute": "nova neutron openvswitch ceilometer",
    "network": "neutron openvswitch frr",
    "volume": "cinder",
    "sql": "mysql",
    "messaging": "rabbitmq mysql haproxy gnocchi ceilometer panko cloudkitty aodh",
    "cephmon": "ceph",
    "cephosd": "ceph",
    "swiftproxy": "swiftproxy haproxy",
    "swiftstore": "swiftaccount swiftcontainer swiftobject",
    "dns": "designate",
    "debmirror": "apache2",
}
LOG_FLAGS = sorted({name for names in LOGS.values() for name in names.split()} | {"ceph"})


def names(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split()))


# class -> its secret-valued parameters (OCI gives them all; Ceph's only with OSDs)
CLASS_SECRETS: dict[str, tuple[str, ...]] = {
    "controller": names(
        "pass_haproxy_stats pass_mysql_rootuser pass_mysql_backup pass_rabbitmq_cookie "
        "pass_rabbitmq_monitoring pass_keystone_db pass_keystone_messaging "
        "pass_keystone_adminuser pass_keystone_credkey1 pass_keystone_credkey2 "
        "pass_keystone_fernkey1 pass_keystone_fernkey2 pass_keystone_ssh_pub "
        "pass_keystone_ssh_priv pass_nova_db pass_nova_apidb pass_nova_messaging "
        "pass_nova_authtoken pass_metadata_proxy_shared_secret pass_placement_db "
        "pass_placement_authtoken pass_glance_db pass_glance_messaging "
        "pass_glance_authtoken pass_glance_ssh_pub pass_glance_ssh_priv pass_cinder_db "
        "pass_cinder_messaging pass_cinder_authtoken pass_neutron_db pass_neutron_messaging "
        "pass_neutron_authtoken pass_neutron_vrrpauth pass_heat_encryptkey pass_heat_db "
        "pass_heat_messaging pass_heat_authtoken pass_heat_keystone_domain "
        "pass_swift_authtoken pass_swift_encryption pass_horizon_secretkey pass_barbican_db "
        "pass_barbican_messaging pass_barbican_authtoken pass_gnocchi_db "
        "pass_gnocchi_messaging pass_gnocchi_authtoken pass_gnocchi_rscuuid pass_panko_db "
        "pass_panko_messaging pass_panko_authtoken pass_ceilometer_db "
        "pass_ceilometer_messaging pass_ceilometer_authtoken pass_ceilometer_telemetry "
        "pass_cloudkitty_db pass_cloudkitty_messaging pass_cloudkitty_authtoken pass_redis "
        "pass_aodh_db pass_aodh_messaging pass_aodh_authtoken pass_octavia_db "
        "pass_octavia_messaging pass_octavia_authtoken pass_octavia_heatbeatkey "
        "pass_magnum_db pass_magnum_messaging pass_magnum_authtoken pass_magnum_domain "
        "pass_manila_db pass_manila_messaging pass_manila_authtoken pass_designate_db "
        "pass_designate_messaging pass_designate_authtoken pass_designate_rndckey "
        "pass_swift_messaging pass_zabbix_authtoken ceph_fsid ceph_bootstrap_osd_key "
        "ceph_admin_key ceph_openstack_key ceph_mon_key ceph_mgr_key ceph_libvirtuuid"
    ),
    "compute": names(
        "pass_haproxy_stats pass_nova_messaging pass_nova_authtoken pass_nova_ssh_pub "
        "pass_nova_ssh_priv pass_glance_authtoken pass_neutron_authtoken "
        "pass_metadata_proxy_shared_secret pass_neutron_messaging pass_neutron_vrrpauth "
        "pass_placement_authtoken pass_manila_db pass_manila_messaging "
        "pass_manila_authtoken pass_ceilometer_messaging pass_ceilometer_authtoken "
        "pass_ceilometer_telemetry pass_cinder_db pass_cinder_authtoken "
        "pass_cinder_messaging ceph_fsid ceph_libvirtuuid ceph_bootstrap_osd_key "
        "ceph_admin_key ceph_openstack_key ceph_mon_key"
    ),
    "network": names(
        "pass_nova_authtoken pass_neutron_authtoken pass_neutron_messaging "
        "pass_neutron_vrrpauth pass_metadata_proxy_shared_secret pass_keystone_adminuser"
    ),
    "volume": names(
        "pass_cinder_db pass_cinder_authtoken pass_cinder_messaging pass_nova_authtoken "
        "ceph_fsid ceph_admin_key ceph_openstack_key ceph_libvirtuuid"
    ),
    "sql": names(
        "pass_mysql_rootuser pass_mysql_backup pass_keystone_db pass_nova_db "
        "pass_nova_apidb pass_placement_db pass_glance_db pass_neutron_db pass_cinder_db "
        "pass_heat_db pass_barbican_db pass_gnocchi_db pass_panko_db pass_ceilometer_db "
        "pass_cloudkitty_db pass_aodh_db pass_octavia_db"
    ),
    "messaging": names(
        "pass_haproxy_stats pass_mysql_rootuser pass_mysql_backup pass_rabbitmq_cookie "
        "pass_rabbitmq_monitoring pass_keystone_messaging pass_nova_messaging "
        "pass_glance_messaging pass_cinder_messaging pass_neutron_messaging "
        "pass_heat_messaging pass_barbican_messaging pass_gnocchi_messaging "
        "pass_panko_messaging pass_ceilometer_messaging pass_cloudkitty_messaging "
        "pass_aodh_messaging pass_octavia_messaging pass_magnum_messaging "
        "pass_manila_messaging pass_designate_messaging pass_swift_messaging "
        "pass_zabbix_authtoken pass_gnocchi_db pass_gnocchi_authtoken pass_gnocchi_rscuuid "
        "pass_keystone_adminuser pass_cloudkitty_db pass_cloudkitty_authtoken ceph_fsid "
        "ceph_bootstrap_osd_key ceph_admin_key ceph_openstack_key ceph_mon_key"
    ),
    "cephmon": names(
        "ceph_admin_key ceph_openstack_key ceph_mon_key ceph_bootstrap_osd_key ceph_fsid "
        "ceph_mgr_key"
    ),
    "cephosd": names(
        "ceph_admin_key ceph_openstack_key ceph_mon_key ceph_bootstrap_osd_key ceph_fsid"
    ),
    "swiftproxy": names(
        "pass_swift_authtoken pass_swift_hashpathsuffix pass_swift_hashpathprefix "
        "pass_swift_messaging pass_haproxy_stats"
    ),
    "swiftstore": names("pass_swift_hashpathsuffix pass_swift_hashpathprefix"),
    "dns": names("pass_designate_rndckey"),
    "debmirror": names(""),
}


OPTION_PARAMETERS = frozenset(
    spec.parameter for spec in (*CLUSTER_OPTION_SPECS, *MACHINE_OPTION_SPECS)
)


class MissingValue(LookupError):
    """A listed parameter nobody knows how to fill: a bug in these tables."""


def resolve(values: Values, name: str, options: dict[str, Any]) -> Any:
    """The value of parameter ``name``: computed from the cluster, else from the
    options table (``options``: what enc_options gives the class)."""
    if hasattr(Values, name):
        return getattr(values, name)
    if name in options or name in OPTION_PARAMETERS:
        return options.get(name)  # an option the table leaves out here (extswift_* ...)
    raise MissingValue(f"no value known for parameter {name!r}")


def filled(values: Values, wanted: tuple[str, ...], puppet_class: str) -> dict[str, Any]:
    """The options that reach ``puppet_class`` and the ``wanted`` parameters, with
    their values; None (nothing to say: the class default applies) is left out."""
    role = values.member.role
    options = enc_options(role, values.options, values.settings, puppet_class)
    out = {name: value for name, value in options.items() if value is not None}
    for name in wanted:
        value = resolve(values, name, options)
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def role_secret_names(role: str, values: Values) -> list[str]:
    """The secret-valued parameters of ``role``'s class this node receives."""
    wanted = CLASS_SECRETS.get(role, ())
    if values.cluster_has_osds or role in CEPH_ROLES:
        return list(wanted)
    keep = {"ceph_openstack_key"} if role == "controller" else set()
    return [name for name in wanted if name not in CEPH_SECRETS or name in keep]


def generic(values: Values) -> dict[str, Any]:
    params = filled(values, names(GENERIC), "oci::generic")
    node = values.node
    certs = node.certificates
    role = values.member.role
    api_pem = certs.api_key + certs.api_certificate
    serves_api = role in ("controller", "swiftproxy", "messaging")
    params.update(
        {
            "etc_hosts": b64(etc_hosts(values)),
            "ssl_cert_snakeoil_key": b64(certs.node_key),
            # OCI puts the certificate in the _pem file on purpose (read by the module as such)
            "ssl_cert_snakeoil_pem": b64(certs.node_certificate),
            "ssl_cert_client_key": b64(certs.node_key),
            "ssl_cert_client_crt": b64(certs.node_certificate),
            "ssl_cert_client_pem": b64(certs.node_key + certs.node_certificate),
            "oci_pki_oci_ca": b64(certs.oci_ca),
            "oci_pki_root_ca": b64(certs.root_ca),
            "oci_pki_oci_ca_chain": b64(certs.ca_chain),
            "oci_pki_api_crt": b64(certs.api_certificate),
            "oci_pki_api_csr": b64(""),  # the API certificate is issued here: no request
            # The API's private key only where haproxy or a proxy serves the API.
            "oci_pki_api_key": b64(certs.api_key if serves_api else ""),
            "oci_pki_api_pem": b64(api_pem if serves_api else certs.api_certificate),
            "oci_pki_swiftproxy_key": b64(certs.api_key if role == "swiftproxy" else ""),
            "oci_pki_swiftproxy_pem": b64(api_pem if role == "swiftproxy" else ""),
        }
    )
    if values.generate_root_ssh_keys:
        if node.root_private_key and values.member.root_public_key:
            params.update(
                secrets.root_key_parameters(node.root_private_key, values.member.root_public_key)
            )
        params["authorized_keys_hash"] = values.authorized_keys_hash
    return params


def filebeat(values: Values) -> dict[str, Any]:
    params = filled(values, names(FILEBEAT), "oci::filebeat")
    params["filebeat_repo"] = values.snapshot.server.get(
        "filebeat_repo", "https://artifacts.elastic.co/packages/8.x/apt"
    )
    if params["filebeat_enable"]:
        shipped = set(LOGS.get(values.member.role, "").split())
        if values.member.role == "controller" and values.cluster_has_osds:
            shipped |= {"ceph", "gnocchi", "cloudkitty", "panko", "ceilometer"}
        params.update({f"log_{name}": name in shipped for name in LOG_FLAGS})
        params.update(filled(values, names(FILEBEAT_OUTPUT), "oci::filebeat"))
    return params


def role_class(role: str, values: Values) -> dict[str, Any]:
    params = filled(values, names(PARAMETERS[role]), f"oci::{role}")
    params.update(secrets.parameters(role_secret_names(role, values), values.cluster.secrets))
    return params


def hyperconverged_osd_phase(values: Values) -> bool:
    """OCI's rule: a compute that is also an OSD node is an OSD node first, until
    every controller is installed and has run Puppet successfully."""
    if values.member.role != "compute" or not values.settings.compute_is_cephosd:
        return False
    return any(m.status != "puppet-success" for m in values.cluster.listed("controller"))


def classes(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """The classes of a node and their parameters; a custom role gets only the first two."""
    values = Values(snapshot)
    role = snapshot.node.member.role
    out = {"oci::generic": generic(values), "oci::filebeat": filebeat(values)}
    if hyperconverged_osd_phase(values):
        out["oci::cephosd"] = role_class("cephosd", values)
    elif role in PARAMETERS:
        out[f"oci::{role}"] = role_class(role, values)
    return out
