"""The ENC's documents on the real classes of Debian's puppet-module-oci (pure, no database).

Every role's document is checked against the installed module's interface (the
parameter names Puppet would accept), and OCI's topology decisions are checked
on the real parameter names.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from oci.enc import classes, document, interface
from oci.enc.snapshot import ROLES
from oci.enc.values import Values
from oci.errors import Conflict
from tests.helpers.enc_snapshots import CEPH_NET, DATA_DISKS, ClusterBuilder, standard

MODULES = Path("/usr/share/puppet/modules")
pytestmark = pytest.mark.skipif(
    not (MODULES / "oci" / "manifests").is_dir(),
    reason="puppet-module-oci is not installed (scripts/bootstrap installs it)",
)


@pytest.fixture(scope="module")
def real() -> interface.Interface:
    return interface.load(MODULES)


def every_role() -> ClusterBuilder:
    cluster = ClusterBuilder()
    cluster.networks.append(CEPH_NET)
    for role, count in (
        ("controller", 3), ("compute", 2), ("network", 2), ("volume", 1), ("sql", 3),
        ("messaging", 3), ("cephmon", 3), ("cephosd", 3), ("swiftproxy", 2),
        ("swiftstore", 3), ("dns", 2), ("debmirror", 1),
    ):  # fmt: skip
        cluster.add(role, count)
    return cluster


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_generic_filebeat_and_its_class_with_names_the_module_declares(
    role: str, real: interface.Interface
) -> None:
    cluster = every_role()
    snapshot = cluster.snapshot(f"cl1-{role}-1.example.com", DATA_DISKS)
    built = document.build(snapshot, interface=real)
    assert list(built["classes"]) == ["oci::generic", "oci::filebeat", f"oci::{role}"]
    assert real.check(built["classes"]) == []
    # The role class gets most of what the module takes: OCI's ENC sets 83-100 %.
    declared = real.classes[f"oci::{role}"]
    assert len(built["classes"][f"oci::{role}"]) >= 0.6 * len(declared)
    # Round trip through YAML as Puppet reads it.
    assert yaml.safe_load(document.dump(built))["classes"] == built["classes"]


def test_a_misnamed_parameter_is_refused_naming_it(real: interface.Interface) -> None:
    snapshot = standard().snapshot("cl1-compute-1.example.com")
    found = classes.classes(snapshot)
    found["oci::compute"]["cluster"] = "cl1"
    problems = real.check(found)
    assert problems == ["Class[Oci::Compute]: has no parameter named 'cluster'"]


def test_a_missing_secret_is_a_conflict_naming_it() -> None:
    cluster = standard()
    snapshot = cluster.snapshot("cl1-compute-1.example.com")
    secrets = dict(snapshot.cluster.secrets)
    secrets.pop("nova/messaging")
    broken = snapshot.cluster.__class__(**{**snapshot.cluster.__dict__, "secrets": secrets})
    with pytest.raises(Conflict) as caught:
        classes.classes(snapshot.__class__(**{**snapshot.__dict__, "cluster": broken}))
    assert caught.value.details == {"missing_secrets": ["nova/messaging"]}


def compute_params(
    cluster: ClusterBuilder, host: str = "cl1-compute-1.example.com"
) -> dict[str, Any]:
    return classes.classes(cluster.snapshot(host, DATA_DISKS))["oci::compute"]


def controller_params(cluster: ClusterBuilder) -> dict[str, Any]:
    return classes.classes(cluster.snapshot("cl1-controller-1.example.com"))["oci::controller"]


def test_no_network_nodes_controllers_route_and_computes_run_dhcp_agents() -> None:
    cluster = standard()
    assert controller_params(cluster)["has_subrole_network_node"] is True
    assert controller_params(cluster)["machine_iface"] == "br-ex"
    assert compute_params(cluster)["has_subrole_dhcp_agent"] is True
    cluster.add("network", 2)
    assert controller_params(cluster)["has_subrole_network_node"] is False
    assert compute_params(cluster)["has_subrole_dhcp_agent"] is False
    assert compute_params(cluster)["bridge_mapping_list"] == ["external br-ex"]


def test_ceph_present_gives_rbd_backends_monitors_and_keys() -> None:
    cluster = standard()
    before = controller_params(cluster)
    assert before["cluster_has_osds"] is False
    assert before["glance_backend"] == "file"  # no Ceph, no Swift
    assert "ceph_fsid" not in compute_params(cluster)
    cluster.add("cephosd", 3)
    after = controller_params(cluster)
    assert after["cluster_has_osds"] is True
    assert after["glance_backend"] == "ceph"
    assert after["cinder_backup_backend"] == "ceph"
    assert after["has_subrole_gnocchi"] is True
    # No monitor nodes: the controllers are the monitors, as comma-joined strings.
    assert after["ceph_mon_host"] == "192.168.10.1,192.168.10.2,192.168.10.3"
    assert after["ceph_mon_initial_members"].split(",") == after["all_masters"]
    compute = compute_params(cluster)
    assert compute["cluster_has_osds"] is True
    assert compute["ceph_fsid"] == cluster.view().secrets["ceph/fsid"]


def test_messaging_nodes_take_telemetry_and_notifications() -> None:
    cluster = standard()
    cluster.add("cephosd", 3)
    assert controller_params(cluster)["has_subrole_gnocchi_services"] is True
    assert controller_params(cluster)["messaging_nodes_for_notifs"] is False
    cluster.add("messaging", 3)
    controller = controller_params(cluster)
    assert controller["has_subrole_gnocchi_services"] is False
    assert controller["messaging_nodes_for_notifs"] is True
    assert controller["all_rabbits"] == [f"cl1-messaging-{n}.example.com" for n in (1, 2, 3)]
    rabbits = cluster.view().listed("messaging")
    assert compute_params(cluster)["all_rabbits_ips"] == [m.addresses["mgmt"] for m in rabbits]


def test_sql_nodes_take_the_databases_and_the_sql_vip() -> None:
    cluster = standard()
    assert controller_params(cluster)["has_subrole_db"] is True
    assert controller_params(cluster)["all_sql"] == controller_params(cluster)["all_masters"]
    cluster.add("sql", 3)
    cluster.networks[1] = cluster.networks[1].__class__(
        **{**cluster.networks[1].__dict__, "vips": {"api": "203.0.113.1", "sql": "203.0.113.2"}}
    )
    controller = controller_params(cluster)
    assert controller["has_subrole_db"] is False
    assert controller["first_sql"] == "cl1-sql-1.example.com"
    assert controller["sql_vip_ip"] == "203.0.113.2"
    assert controller["vip_ipaddr"] == "203.0.113.1"


def test_a_swift_only_cluster_linked_stores_images_and_backups() -> None:
    swift = ClusterBuilder("sw1")
    swift.add("swiftproxy", 2)
    swift.add("swiftstore", 3)
    cluster = standard()
    snapshot = cluster.snapshot("cl1-controller-1.example.com", remote_swift=swift.view())
    controller = classes.classes(snapshot)["oci::controller"]
    assert controller["glance_backend"] == "swift"
    assert controller["cinder_backup_backend"] == "swift"


def test_bgp_to_the_host_unless_the_machine_opts_out() -> None:
    cluster = ClusterBuilder(bgp_to_the_host=True)
    cluster.add("controller", 3)
    cluster.add("compute", 1)
    cluster.add("compute", 1, force_no_bgp2host=True)
    assert compute_params(cluster)["bgp_to_the_host"] is True
    assert compute_params(cluster, "cl1-compute-2.example.com")["bgp_to_the_host"] is False


def test_cpu_model_per_compute_else_the_clusters() -> None:
    cluster = ClusterBuilder(cpu_mode="custom", cpu_model="Cascadelake-Server")
    cluster.add("controller", 1)
    cluster.add("compute", 1)
    cluster.add("compute", 1, cpu_mode="custom", cpu_model="EPYC-Rome")
    assert compute_params(cluster)["cpu_model"] == "Cascadelake-Server"
    assert compute_params(cluster, "cl1-compute-2.example.com")["cpu_model"] == "EPYC-Rome"


def test_gpu_compute_passes_lists_and_vfio_ids_and_controllers_the_aliases() -> None:
    cluster = standard()
    gpus = [
        {"name": "t4", "vendor_id": "10de", "product_id": "1eb8"},
        {"name": "a100", "vendor_id": "10de", "product_id": "20b0"},
    ]
    cluster.add("compute", 1, gpus=gpus)
    compute = compute_params(cluster, "cl1-compute-3.example.com")
    assert compute["use_gpu"] is True
    assert compute["gpu_name"] == ["t4", "a100"]
    assert compute["gpu_vendor_id"] == ["10de", "10de"]
    assert compute["gpu_product_id"] == ["1eb8", "20b0"]
    assert compute["vfio_ids"] == "10de:1eb8,10de:20b0"
    assert controller_params(cluster)["gpu_def"] == ["a100.10de.20b0.type-PCI",
                                                     "t4.10de.1eb8.type-PCI"]  # fmt: skip
    assert compute_params(cluster)["use_gpu"] is False


def test_a_hyperconverged_compute_is_an_osd_node_until_the_controllers_are_done() -> None:
    cluster = standard()
    cluster.add("compute", 1, compute_is_cephosd=True)
    host = "cl1-compute-3.example.com"
    cluster.set_status("controller", "installing")
    first = classes.classes(cluster.snapshot(host, DATA_DISKS))
    assert list(first) == ["oci::generic", "oci::filebeat", "oci::cephosd"]
    assert first["oci::cephosd"]["block_devices"] == ["nvme0n1", "sdb", "sdc"]  # not sda
    cluster.set_status("controller", "puppet-success")
    later = classes.classes(cluster.snapshot(host, DATA_DISKS))
    assert "oci::compute" in later and later["oci::compute"]["use_ceph_if_available"] is True


def test_shapes_the_module_needs() -> None:
    cluster = standard()
    snapshot = cluster.snapshot("cl1-compute-1.example.com", DATA_DISKS)
    generic = classes.classes(snapshot)["oci::generic"]
    # Key bodies only: "ssh-rsa AAAA... comment" fails in the agent (to_ral).
    assert generic["authorized_keys_hash"]
    assert all(" " not in key for key in generic["authorized_keys_hash"].values())
    assert " " not in generic["pass_root_ssh_pub"]
    hosts = base64.b64decode(generic["etc_hosts"]).decode()
    for member in cluster.view().all_members():
        if member.hostname != "cl1-compute-1.example.com":
            assert f"{member.addresses['mgmt']}\t{member.hostname} {member.short_name}" in hosts
    assert "203.0.113.1\tcl1-api.example.com" in hosts
    for name in ("ssl_cert_snakeoil_key", "oci_pki_oci_ca_chain", "oci_pki_api_crt"):
        assert base64.b64decode(generic[name]).decode().startswith("-----BEGIN")
    # Computes never receive the API's private key.
    assert base64.b64decode(generic["oci_pki_api_key"]) == b""
    assert generic["ssh_listen_ips"] == ["127.0.0.1", "192.168.10.4"]


def test_machines_have_no_public_address_and_the_vip_comes_from_the_public_network() -> None:
    cluster = standard()
    values = Values(cluster.snapshot("cl1-controller-1.example.com"))
    assert values.machine_ip == "192.168.10.1"
    assert values.vip_ipaddr == "203.0.113.1"
    assert values.vip_netmask == 28
    assert values.no_api_rate_limit_networks == ["192.168.10.0/24"]


def test_filebeat_ships_to_the_output_hosts_when_enabled() -> None:
    cluster = standard(
        filebeat_enabled=True, filebeat_output_hosts="logs1.example.com:5044,logs2:5044"
    )
    found = classes.classes(cluster.snapshot("cl1-controller-1.example.com"))["oci::filebeat"]
    assert found["filebeat_enable"] is True
    assert found["output_hosts"] == ["logs1.example.com:5044", "logs2:5044"]
    assert found["log_keystone"] is True and found["log_nova"] is True
    assert found["log_swiftobject"] is False
    plain = classes.classes(standard().snapshot("cl1-controller-1.example.com"))["oci::filebeat"]
    assert plain["filebeat_enable"] is False and "output_hosts" not in plain


def test_etc_hosts_names_the_puppet_server_from_the_settings() -> None:
    from oci.config import Settings
    from oci.enc.served import server_values

    by_address = Settings(node_api_url="http://192.168.100.2:8080", puppet_server="oci.example.net")
    server = server_values(by_address)
    assert server == {"server_address": "192.168.100.2", "server_hostname": "oci.example.net"}
    snapshot = standard().snapshot("cl1-compute-1.example.com", server=server)
    hosts = base64.b64decode(classes.classes(snapshot)["oci::generic"]["etc_hosts"]).decode()
    assert "192.168.100.2\toci.example.net\n" in hosts
    # A URL by name gives no address to write: no line rather than a guess.
    assert server_values(Settings(node_api_url="http://oci.example.net:8080")) == {}
