"""The option table: OCI's options with OCI's names, defaults and roles; the models
made from it; what the ENC gets of it; ocicli's flags made from it."""

from __future__ import annotations

from typing import Any

import click
import pytest
from pydantic import ValidationError

from oci.choices import CLUSTER_OPTION_SPECS, MACHINE_OPTION_SPECS, OPTION_SPECS, OptionSpec
from oci.cli.clusters import cluster_set
from oci.cli.machines import machine_set
from oci.enrolment.options import (
    ClusterOptions,
    MachineSettings,
    enc_options,
    option_spec,
    option_value,
)
from oci.errors import Invalid

# OCI 42.2.5's variables.json: option -> (default as OCI writes it, roles). swift_ec_*
# also name "swiftobject", a role OCI does not have: left out here and in the table.
OCI_CLUSTER_VARIABLES = {
    "bgp_to_the_host": ("no", "compute controller network"),
    "asn": ("0", ""),
    "nested_openstack": ("no", "compute"),
    "admin_email_address": ("admin@example.com", "controller network"),
    "mail_relay_host": ("mail.example.com", ""),
    "nova_limit_tenants_to_placement_aggregate": ("no", "controller"),
    "nova_scheduler_prefers_hosts_with_more_ram": ("yes", "controller"),
    "cinder_default_storage_availability_zone": ("nova", "controller"),
    "cinder_default_volume_type": ("LVM_1", "controller"),
    "cinder_backup_use_external_swift": ("yes", "controller compute"),
    "glance_prefer_ceph_over_swift": ("yes", "controller"),
    "cinder_backup_prefer_swift": ("yes", ""),
    "dhcp_domain": ("", "compute controller network"),
    "neutron_global_physnet_mtu": ("8950", "compute controller network"),
    "neutron_path_mtu": ("1550", "compute controller network"),
    "neutron_dns_domain": ("example.com.", "compute controller network"),
    "neutron_use_dvr": ("yes", "compute controller network"),
    "neutron_vxlan_vni_min": ("1000", "compute controller network"),
    "neutron_vxlan_vni_max": ("9999", "compute controller network"),
    "glance_metadef_admin_only": ("yes", "controller"),
    "install_designate": ("no", "compute controller network"),
    "install_panko": ("no", "controller"),
    "install_magnum": ("no", "controller"),
    "install_manila": ("no", "controller compute"),
    "install_octavia": ("yes", "controller"),
    "install_telemetry": ("yes", "controller compute swiftproxy"),
    "install_cloudkitty_dashboard": ("yes", "controller"),
    "manila_network_cidr": ("10.240.0.0/12", "controller compute"),
    "manila_network_division_mask": ("27", "controller compute"),
    "generate_root_ssh_keys": ("no", ""),
    "api_disable_rate_limit": ("no", "controller"),
    "api_iptables_rate_limit": ("100", "controller"),
    "api_haproxy_rate_limit": ("80", "controller"),
    "api_rate_limit_whitelist": ("10.4.38.0/24", "controller"),
    "swift_proxy_disable_rate_limit": ("no", "swiftproxy"),
    "swift_proxy_iptables_rate_limit": ("100", "swiftproxy"),
    "swift_proxy_haproxy_rate_limit": ("80", "swiftproxy"),
    "swift_ec_enable": ("no", "swiftproxy"),
    "swift_ec_policy_index": ("1", "swiftproxy"),
    "swift_ec_policy_name": ("pyeclib-12-4", "swiftproxy"),
    "swift_ec_type": ("liberasurecode_rs_vand", "swiftproxy"),
    "swift_ec_num_data_fragments": ("12", "swiftproxy"),
    "swift_ec_num_parity_fragments": ("4", "swiftproxy"),
    "swift_ec_object_segment_size": ("1048576", "swiftproxy"),
    "filebeat_enabled": ("no", ""),
    "filebeat_fields_under_root": ("yes", ""),
    "filebeat_logging_level": ("info", ""),
    "filebeat_logging_syslog": ("no", ""),
    "filebeat_logging_files": ("yes", ""),
    "filebeat_logging_files_path": ("/var/log/filebeat", ""),
    "filebeat_logging_files_name": ("filebeat", ""),
    "aodh_notifier_use_proxy": ("no", "controller"),
    "aodh_notifier_proxy_url": ("http://myproxy.example.com:3128/", "controller"),
    "messaging_node_memcache_memory_limit": ("20", "messaging"),
    "messaging_node_memcache_max_connections": ("65536", "messaging"),
    "horizon_themes": (
        "default@Default@themes/default:material@Material@themes/material",
        "controller",
    ),
    "haproxy_timeout_http_request": ("10s", "controller swiftproxy messaging"),
    "haproxy_timeout_queue": ("1m", "controller swiftproxy messaging"),
    "haproxy_timeout_connect": ("10s", "controller swiftproxy messaging"),
    "haproxy_timeout_client": ("1m", "controller swiftproxy messaging"),
    "haproxy_timeout_server": ("1m", "controller swiftproxy messaging"),
    "haproxy_timeout_check": ("10s", "controller swiftproxy messaging"),
    "cloudkitty_http_pool_maxsize": ("10", "messaging"),
    "designate_ns1": ("ns1.example.com", ""),
    "designate_ns2": ("ns2.example.com", ""),
}
OCI_MACHINE_VARIABLES = {
    "servers_per_port": ("1", "swiftstore swiftproxy"),
    "network_chunk_size": ("65535", "swiftstore swiftproxy"),
    "disk_chunk_size": ("524288", "swiftstore swiftproxy"),
    "lvm_backend_name": ("LVM_1", "volume"),
    "availability_zone": ("nova", "volume"),
    "volume_copy_bps_limit": ("1073741824", "volume"),
    "cinder_reserved_percentage": ("10", "volume"),
    "cinder_max_over_subscription_ratio": ("4.0", "volume"),
    "cinder_enabled_backends": ("no-override", "volume"),
    "cinder_separate_volume_groups": ("no", "volume"),
    "cpu_allocation_ratio": ("16.0", "compute"),
    "ram_allocation_ratio": ("1.5", "compute"),
    "disk_allocation_ratio": ("1.0", "compute"),
    "compute_is_cephosd": ("no", "compute"),
    "neutron_external_network_name": ("external", "compute network"),
    "neutron_install_dragent": ("no", "compute network"),
    "nova_reserved_host_memory_mb": ("16384", "compute"),
    "nova_reserved_host_disk_mb": ("10240", "compute"),
    "manila_share_install": ("no", "compute"),
    "kernel_from_backports": ("no", "all"),
    "brex_macaddr": ("none", "controller compute network"),
    "swift_rsync_io_limit_activate": ("no", "swiftstore swiftproxy"),
    "swift_rsync_io_limit_megabytes": ("80", "swiftstore swiftproxy"),
    "swift_rsync_io_limit_iops": ("100", "swiftstore swiftproxy"),
}
# Options OCI keeps in columns of its clusters and machines tables, with their defaults.
OCI_CLUSTER_COLUMNS = {
    "region_name": "RegionOne",
    "initial_cluster_setup": "yes",
    "vip_hostname": "",
    "swift_part_power": "19",
    "swift_replicas": "3",
    "swift_min_part_hours": "1",
    "swift_proxy_hostname": "",
    "swift_encryption_key_id": "",
    "swift_disable_encryption": "yes",
    "swift_object_replicator_concurrency": "5",
    "swift_rsync_connection_limit": "16",
    "swift_public_cloud_middlewares": "no",
    "extswift_use_external": "no",
    "extswift_auth_url": "https://api.example.com/identity",
    "extswift_region": "RegionOne",
    "extswift_proxy_url": "https://prx.example.com/object/v1/AUTH_",
    "extswift_project_name": "",
    "extswift_project_domain_name": "default",
    "extswift_user_name": "",
    "extswift_user_domain_name": "default",
    "extswift_password": "",
    "haproxy_custom_url": "",
    "statsd_hostname": "",
    "time_server_host": "0.debian.pool.ntp.org",
    "amp_secgroup_list": "",
    "amp_boot_network_list": "",
    "disable_notifications": "no",
    "enable_monitoring_graphs": "no",
    "monitoring_graphite_host": "",
    "monitoring_graphite_port": "2003",
    "self_signed_api_cert": "yes",
    "nested_virt": "no",
    "cpu_mode": "host-passthrough",
    "cpu_model": "",
    "cpu_model_extra_flags": "",
    "nameserver_v4_prim": "9.9.9.9",
    "nameserver_v4_sec": "8.8.8.8",
    "nameserver_v6_prim": "2620:fe::fe:9",
    "nameserver_v6_sec": "2001:4860:4860::8888",
    "use_ovs_ifaces": "no",
    "cephosd_automatic_provisionning": "yes",
}
OCI_MACHINE_COLUMNS = {
    "use_ceph_if_available": "no",
    "install_on_raid": "no",
    "raid_type": "1",
    "nested_virt": "cluster_value",
    "cpu_mode": "cluster_value",
    "cpu_model": "cluster_value",
    "cpu_model_extra_flags": "cluster_value",
    "force_dhcp_agent": "no",
    "swift_store_account": "yes",
    "swift_store_container": "yes",
    "swift_store_object": "yes",
    "ceph_osd_initial_setup": "yes",
    "force_no_bgp2host": "no",
    "use_oci_sort_dev": "no",
    "notes": "",
    "dest_blk": "",  # OCI's column says 'none': no disk named, ours None (unset)
    # OCI's columns say '255.255.255.0', '' and 'off'; ours None: the ipmi network's
    "ipmi_netmask": "",
    "ipmi_default_gw": "",
    "ipmi_vlan": "",
}


def as_oci_writes(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@pytest.mark.parametrize(
    ("specs", "variables", "columns"),
    [
        (CLUSTER_OPTION_SPECS, OCI_CLUSTER_VARIABLES, OCI_CLUSTER_COLUMNS),
        (MACHINE_OPTION_SPECS, OCI_MACHINE_VARIABLES, OCI_MACHINE_COLUMNS),
    ],
    ids=["cluster", "machine"],
)
def test_every_oci_option_with_its_default_and_roles(
    specs: tuple[OptionSpec, ...],
    variables: dict[str, tuple[str, str]],
    columns: dict[str, str],
) -> None:
    table = {spec.name: spec for spec in specs}
    assert len(table) == len(specs)  # no name twice
    for name, (default, roles) in variables.items():
        assert as_oci_writes(table[name].default) == default, name
        assert set(table[name].roles) == set(roles.split()), name
    for name, default in columns.items():
        assert as_oci_writes(table[name].default) == default, name
    ours = {name for name, spec in table.items() if spec.origin == "ours"}
    assert set(table) - ours == set(variables) | set(columns)


def test_each_entry_is_consistent() -> None:
    for spec in OPTION_SPECS:
        assert spec.help and not spec.help.endswith("."), spec.name
        assert (spec.kind == "enum") == bool(spec.choices), spec.name
        assert not spec.inherit or spec.scope == "machine", spec.name
        if spec.when:
            assert option_spec(spec.when).kind == "bool", spec.name
        if spec.unless:
            assert option_spec(spec.unless, "machine").kind == "bool", spec.name
    defaults_are_valid = ClusterOptions(), MachineSettings()
    assert defaults_are_valid


def test_yes_no_are_booleans_and_errors_are_clear() -> None:
    options = ClusterOptions.model_validate(
        {"neutron_use_dvr": "no", "install_designate": "YES", "disable_notifications": True}
    )
    assert (options.neutron_use_dvr, options.install_designate) == (False, True)
    with pytest.raises(ValidationError, match="expected yes or no"):
        ClusterOptions.model_validate({"neutron_use_dvr": "maybe"})
    with pytest.raises(ValidationError, match=r"unknown option.s. time_server; valid options: "):
        ClusterOptions.model_validate({"time_server": "ntp.example.com"})
    with pytest.raises(ValidationError, match="is not an IPv6 address"):
        ClusterOptions.model_validate({"nameserver_v6_sec": "192.0.2.1"})
    with pytest.raises(ValidationError, match="less than or equal to 9216"):
        ClusterOptions.model_validate({"neutron_path_mtu": 10000})
    with pytest.raises(Invalid, match=r"neutron_vxlan_vni_min .5000. is above"):
        ClusterOptions.model_validate({"neutron_vxlan_vni_min": 5000, "neutron_vxlan_vni_max": 10})
    with pytest.raises(ValidationError, match="expected yes, no or cluster_value"):
        MachineSettings.model_validate({"nested_virt": "perhaps"})
    with pytest.raises(ValidationError, match="RAID 1 needs at least 2 raid_devices"):
        MachineSettings.model_validate({"install_on_raid": "yes", "raid_devices": ["sda"]})


def test_the_bmc_lan_options_are_checked_naming_them() -> None:
    settings = MachineSettings.model_validate(
        {"ipmi_netmask": "255.255.254.0", "ipmi_default_gw": "10.0.1.254", "ipmi_vlan": "12"}
    )
    assert (settings.ipmi_netmask, settings.ipmi_default_gw, settings.ipmi_vlan) == (
        "255.255.254.0",
        "10.0.1.254",
        12,
    )
    for name, bad in (
        ("ipmi_netmask", "255.0.255.0"),  # not contiguous
        ("ipmi_netmask", "255.255.255.1"),
        ("ipmi_netmask", "0.0.0.0"),
        ("ipmi_netmask", "24"),
        ("ipmi_default_gw", "10.0.1"),
        ("ipmi_vlan", 4095),
        ("ipmi_vlan", 0),
    ):
        with pytest.raises(ValidationError) as raised:
            MachineSettings.model_validate({name: bad})
        assert [e["loc"] for e in raised.value.errors()] == [(name,)], (name, bad)
    for mask in ("128.0.0.0", "255.255.255.255", "255.255.255.0", "255.248.0.0"):
        assert MachineSettings.model_validate({"ipmi_netmask": mask}).ipmi_netmask == mask
    # Not Puppet's: the BMC's LAN is for machine-ipmi-setup and machine-apply-ipmi.
    for role in ("compute", "controller", "cephosd"):
        assert not {"ipmi_netmask", "ipmi_default_gw", "ipmi_vlan"} & set(
            enc_options(role, ClusterOptions(), settings)
        )


def test_cpu_model_alone_implies_the_mode() -> None:
    # hardware profiles say cpu_model: host-passthrough; that is a mode
    machine = MachineSettings.model_validate({"cpu_model": "host-passthrough"})
    assert (machine.cpu_mode, machine.cpu_model) == ("host-passthrough", "cluster_value")
    cluster = ClusterOptions.model_validate({"cpu_model": "EPYC-Rome"})
    assert (cluster.cpu_mode, cluster.cpu_model) == ("custom", "EPYC-Rome")
    given = ClusterOptions.model_validate({"cpu_model": "EPYC", "cpu_mode": "host-model"})
    assert given.cpu_mode == "host-model"


def test_enc_options_of_a_compute() -> None:
    cluster = ClusterOptions.model_validate(
        {
            "nested_virt": True,
            "cpu_mode": "custom",
            "cpu_model": "EPYC-Rome",
            "bgp_to_the_host": True,
            "neutron_path_mtu": 9000,
        }
    )
    machine = MachineSettings.model_validate({"cpu_allocation_ratio": 4, "cpu_mode": "host-model"})
    params = enc_options("compute", cluster, machine)
    assert params["nested_virt"] is True  # cluster_value: the cluster's
    assert (params["cpu_mode"], params["cpu_model"]) == ("host-model", "EPYC-Rome")
    assert "cpu_model_extra_flags" not in params  # unset: left out, as OCI does
    assert (params["cpu_allocation_ratio"], params["neutron_path_mtu"]) == (4.0, 9000)
    assert (params["bgp_to_the_host"], params["kernel_from_backports"]) == (True, False)
    assert "extswift_auth_url" not in params and params["extswift_use_external"] is False
    assert "time_server_host" not in params and "lvm_backend_name" not in params
    reaching = {  # what reaches oci::compute, and nothing else
        spec.parameter
        for spec in OPTION_SPECS
        if ("compute" in spec.roles or "all" in spec.roles) and not spec.when
    }
    assert set(params) == reaching - {"cpu_model_extra_flags"}

    opted_out = MachineSettings.model_validate({"force_no_bgp2host": True})
    assert enc_options("compute", cluster, opted_out)["bgp_to_the_host"] is False
    external = cluster.model_copy(update={"extswift_use_external": True})
    assert enc_options("volume", external, machine)["extswift_auth_url"] == (
        "https://api.example.com/identity"
    )
    flags = MachineSettings.model_validate({"cpu_model_extra_flags": "pcid,+ssbd"})
    assert enc_options("compute", cluster, flags)["cpu_model_extra_flags"] == "pcid,+ssbd"


def test_enc_options_of_generic_filebeat_and_other_roles() -> None:
    cluster = ClusterOptions.model_validate(
        {"time_server_host": "ntp.example.com", "swift_proxy_hostname": "swift.example.com"}
    )
    machine = MachineSettings()
    assert enc_options("sql", cluster, machine, "oci::generic") == {
        "time_server_host": "ntp.example.com",
        "admin_email_address": "admin@example.com",
        "mail_relay_host": "mail.example.com",
    }
    filebeat = enc_options("cephosd", cluster, machine, "oci::filebeat")
    assert (filebeat["filebeat_enable"], filebeat["logging_level"]) == (False, "info")
    proxy = enc_options("swiftproxy", cluster, machine)
    assert proxy["swiftproxy_hostname"] == "swift.example.com"  # OCI's parameter name
    assert (proxy["swift_store_account"], proxy["servers_per_port"]) == (True, 1)
    assert proxy["swift_disable_encryption"] is True
    assert enc_options("cephosd", cluster, machine)["ceph_osd_initial_setup"] is True
    assert option_value("nested_virt", cluster, machine) is False
    assert option_value("region_name", cluster, machine) == "RegionOne"


@pytest.mark.parametrize(
    ("command", "specs"),
    [(cluster_set, CLUSTER_OPTION_SPECS), (machine_set, MACHINE_OPTION_SPECS)],
    ids=["cluster-set", "machine-set"],
)
def test_every_option_has_its_flag(command: click.Command, specs: tuple[OptionSpec, ...]) -> None:
    flags = {
        opt for param in command.params if isinstance(param, click.Option) for opt in param.opts
    }
    for spec in specs:
        if spec.kind != "gpus":  # --gpu name=...,vendor=...
            assert "--" + spec.name.replace("_", "-") in flags, spec.name
        assert set(spec.aliases) <= flags, spec.name
