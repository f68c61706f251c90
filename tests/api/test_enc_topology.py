"""Every topology decision of the ENC, each on the smallest cluster that shows it.

Clusters are built through the real topology and enrolment code; documents are
read through the real loader, as the route reads them.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from oci.enc import secrets as role_secrets
from oci.enrolment import clusters as topology
from oci.enrolment import machines as enrolment
from oci.errors import Invalid
from oci.models import Cluster, Machine, MachineStatus
from oci.security.vault import Vault
from tests.helpers import enc_clusters as ec


@pytest.fixture
def vault() -> Vault:
    return Vault(Fernet.generate_key())


def small(
    session: Session, vault: Vault, roles: dict[str, int], name: str = "cl1", **kw
) -> dict[str, list[str]]:
    ec.cluster(session, vault, name, kw.pop("index", 1), **kw)
    built = ec.build(session, name, roles)
    session.commit()
    return built


def params(session: Session, vault: Vault, fqdn: str) -> dict[str, Any]:
    return ec.params(session, vault, fqdn)


# -- Ceph -------------------------------------------------------------------------------


def test_ceph_osds_put_glance_nova_and_cinder_on_ceph_and_keys_on_controllers_and_computes(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 1, "compute": 2, "cephosd": 1})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["glance_backend"] == "ceph"
    assert ctl["cinder_backends"] == ["ceph"]
    assert ctl["cinder_backup_backend"] == "ceph"
    assert ctl["ceph_enabled"] is True
    assert {"ceph_fsid", "ceph_admin_key", "ceph_openstack_key"} <= ctl["secrets"].keys()
    plain, opted = built["compute"]
    enrolment.set_machine(session, ec.serial_of(session, opted), {"use_ceph_if_available": True})
    session.commit()
    for fqdn in (plain, opted):
        cpu = params(session, vault, fqdn)
        assert cpu["ceph_enabled"] is True
        assert {"ceph_fsid", "ceph_openstack_key", "ceph_libvirt_secret_uuid"} <= cpu[
            "secrets"
        ].keys()
        assert "ceph_admin_key" not in cpu["secrets"]
    # Nova's instance disks: on Ceph for the compute that opts in (OCI's use_ceph_if_available).
    assert params(session, vault, plain)["nova_ephemeral_backend"] == "local"
    assert params(session, vault, opted)["nova_ephemeral_backend"] == "ceph"
    assert params(session, vault, built["cephosd"][0])["secrets"].keys() == {
        "ceph_fsid",
        "ceph_bootstrap_osd_key",
    }


def test_without_ceph_no_ceph_key_goes_anywhere(session: Session, vault: Vault) -> None:
    built = small(session, vault, {"controller": 1, "compute": 1})
    for fqdn in (built["controller"][0], built["compute"][0]):
        got = params(session, vault, fqdn)
        assert got["ceph_enabled"] is False
        assert got["ceph_mon_hosts"] == []
        assert not [name for name in got["secrets"] if name.startswith("ceph_")]
    assert params(session, vault, built["compute"][0])["nova_ephemeral_backend"] == "local"


def test_without_dedicated_monitors_the_controllers_are_the_ceph_monitors(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 3, "cephosd": 1})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["ceph_is_mon"] is True
    assert ctl["ceph_mon_hosts"] == built["controller"]
    assert len(ctl["ceph_mon_addresses"]) == 3
    assert {"ceph_mon_key", "ceph_bootstrap_osd_key"} <= ctl["secrets"].keys()
    osd = params(session, vault, built["cephosd"][0])
    assert osd["ceph_mon_hosts"] == built["controller"]


def test_dedicated_monitors_take_the_role_and_its_keys(session: Session, vault: Vault) -> None:
    built = small(session, vault, {"controller": 1, "cephmon": 3, "cephosd": 1})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["ceph_is_mon"] is False
    assert ctl["ceph_mon_hosts"] == built["cephmon"]
    assert "ceph_mon_key" not in ctl["secrets"]
    mons = [params(session, vault, fqdn) for fqdn in built["cephmon"]]
    assert [m["ceph_mon_bootstrap"] for m in mons] == [True, False, False]
    assert "ceph_mon_key" in mons[0]["secrets"]


def test_hyper_converged_osds_on_computes(session: Session, vault: Vault) -> None:
    built = small(
        session,
        vault,
        {"controller": 1, "compute": 1},
        ceph_network=True,
        options={"ceph_osds_on_computes": True},
    )
    cpu = params(session, vault, built["compute"][0])
    assert cpu["ceph_enabled"] is True
    assert cpu["ceph_osd"] is True
    # machine-add gives computes no address in the Ceph replication network
    # (ipam.serves): their OSDs replicate over the public (management) network.
    assert cpu["ceph_cluster_address"] is None
    assert cpu["ceph_public_network"] == "10.1.0.0/22"
    assert "ceph_bootstrap_osd_key" in cpu["secrets"]
    ctl = params(session, vault, built["controller"][0])
    assert ctl["ceph_is_mon"] is True
    assert ctl["glance_backend"] == "ceph"


# -- Glance, Cinder, Swift ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "glance", "backup", "cinder"),
    [
        ({"cephosd": 1, "swiftstore": 1, "volume": 1}, "ceph", "ceph", ["ceph", "lvm"]),
        ({"swiftstore": 1, "volume": 1}, "swift", "swift", ["lvm"]),
        ({"volume": 1}, "cinder", "none", ["lvm"]),
        ({}, "file", "none", []),
    ],
)
def test_glance_and_cinder_backup_backends_in_order_of_preference(
    session: Session, vault: Vault, roles, glance, backup, cinder
) -> None:
    built = small(session, vault, {"controller": 1, **roles})
    ctl = params(session, vault, built["controller"][0])
    assert (ctl["glance_backend"], ctl["cinder_backup_backend"]) == (glance, backup)
    assert ctl["cinder_backends"] == cinder


def test_volume_nodes_serve_cinder_from_lvm(session: Session, vault: Vault) -> None:
    built = small(session, vault, {"controller": 1, "volume": 2})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["volume_nodes"] == built["volume"]
    vol = params(session, vault, built["volume"][0])
    assert vol["lvm_volume_group"] == "cinder-volumes"
    assert vol["secrets"].keys() == set(role_secrets.GROUPS["cinder_volume"])


def test_swift_stores_without_proxies_are_fronted_by_the_controllers(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 1, "swiftstore": 3})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["swift_proxy_on_controllers"] is True
    assert {"swift_hash_path_prefix", "swift_hash_path_suffix"} <= ctl["secrets"].keys()


def test_swift_proxy_nodes_keep_the_proxies_and_the_hash_off_the_controllers(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 1, "swiftproxy": 2, "swiftstore": 1})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["swift_proxy_on_controllers"] is False
    assert ctl["swift_proxies"] == built["swiftproxy"]
    assert "swift_hash_path_prefix" not in ctl["secrets"]
    store = params(session, vault, built["swiftstore"][0])
    assert store["swift_proxies"] == built["swiftproxy"]
    assert store["swift_zone"] == "zone1"


def test_a_swift_only_cluster_linked_to_a_compute_cluster(session: Session, vault: Vault) -> None:
    swift = small(
        session, vault, {"swiftproxy": 1, "swiftstore": 1}, name="swift1", index=2,
        public_role="swiftproxy", options={"swift_proxy_hostname": "swift.example.com"},
    )  # fmt: skip
    compute = small(session, vault, {"controller": 1, "compute": 1})
    ctl = params(session, vault, compute["controller"][0])
    assert ctl["glance_backend"] == "file"
    assert ctl["remote_swift"] is None
    topology.set_cluster_options(session, "cl1", {"remote_swift_cluster": "swift1"})
    session.commit()
    ctl = params(session, vault, compute["controller"][0])
    assert ctl["glance_backend"] == "swift"
    assert ctl["cinder_backup_backend"] == "swift"
    assert ctl["remote_swift"] == {
        "cluster": "swift1",
        "endpoint": "https://swift.example.com",
        "region": "swift1",
    }
    # The Swift-only cluster has no Keystone of its own: its proxies use cl1's.
    proxy = params(session, vault, swift["swiftproxy"][0])
    assert proxy["keystone_url"] == "https://cl1-api.example.com:5000/v3"
    assert proxy["cluster"] == "swift1"


def test_a_remote_swift_cluster_must_be_another_existing_cluster(
    session: Session, vault: Vault
) -> None:
    small(session, vault, {})
    with pytest.raises(Invalid, match="no cluster named 'nope'"):
        topology.set_cluster_options(session, "cl1", {"remote_swift_cluster": "nope"})
    with pytest.raises(Invalid, match="its own Swift"):
        topology.set_cluster_options(session, "cl1", {"remote_swift_cluster": "cl1"})


# -- Compute, network, messaging -----------------------------------------------------------


def test_computes_bring_the_compute_services_to_the_controllers(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 1})
    assert params(session, vault, built["controller"][0])["compute_services"] is False
    ec.enrol(session, "cl1", "compute", 2)
    session.commit()
    ctl = params(session, vault, built["controller"][0])
    assert ctl["compute_services"] is True


def test_without_network_nodes_controllers_route_and_computes_run_dhcp(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 1, "compute": 1})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["routing_on_controllers"] is True
    assert ctl["network_nodes"] == []
    cpu = params(session, vault, built["compute"][0])
    assert cpu["dhcp_agent"] is True
    assert "metadata_proxy_shared_secret" in cpu["secrets"]


def test_network_nodes_take_routing_and_dhcp(session: Session, vault: Vault) -> None:
    built = small(session, vault, {"controller": 1, "compute": 1, "network": 2})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["routing_on_controllers"] is False
    assert ctl["network_nodes"] == built["network"]
    cpu = params(session, vault, built["compute"][0])
    assert cpu["dhcp_agent"] is False
    assert "metadata_proxy_shared_secret" not in cpu["secrets"]
    net = params(session, vault, built["network"][0])
    assert (net["l3_agent"], net["dhcp_agent"]) == (True, True)


def test_messaging_nodes_take_telemetry_off_the_controllers(session: Session, vault: Vault) -> None:
    built = small(session, vault, {"controller": 1})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["telemetry_on_controllers"] is True
    assert "gnocchi_db_password" in ctl["secrets"]
    assert ctl["notification_rabbitmq_hosts"] == built["controller"]
    built |= {"messaging": ec.enrol(session, "cl1", "messaging", 3)}
    session.commit()
    ctl = params(session, vault, built["controller"][0])
    assert ctl["telemetry_on_controllers"] is False
    assert ctl["messaging_nodes"] == built["messaging"]
    assert ctl["notification_rabbitmq_hosts"] == built["messaging"]
    assert not [s for s in ctl["secrets"] if s.startswith(("gnocchi", "cloudkitty", "aodh"))]
    msg = [params(session, vault, fqdn) for fqdn in built["messaging"]]
    assert "gnocchi_db_password" in msg[0]["secrets"]
    assert [m["galera_bootstrap"] for m in msg] == [True, False, False]


def test_sql_nodes_take_galera_off_the_controllers(session: Session, vault: Vault) -> None:
    built = small(session, vault, {"controller": 1, "sql": 3})
    ctl = params(session, vault, built["controller"][0])
    assert ctl["galera_on_controllers"] is False
    assert ctl["database_nodes"] == built["sql"]
    assert "mysql_root_password" not in ctl["secrets"]
    sql = params(session, vault, built["sql"][0])
    assert sql["galera_nodes"] == built["sql"]
    assert {"mysql_root_password", "nova_db_password"} <= sql["secrets"].keys()


# -- Per compute: GPUs and CPU model --------------------------------------------------------


def test_gpus_of_two_types_become_pci_aliases_vfio_ids_and_a_blacklist(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 1, "compute": 2})
    gpu, plain = built["compute"]
    enrolment.set_machine(session, ec.serial_of(session, gpu), {"gpus": ec.GPUS})
    session.commit()
    got = params(session, vault, gpu)
    assert got["gpus"] == [
        {"name": "t4", "vendor_id": "10de", "product_id": "1eb8", "device_type": "type-PCI"},
        {"name": "a100", "vendor_id": "10de", "product_id": "20b5", "device_type": "type-PF"},
    ]
    assert got["vfio_pci_ids"] == ["10de:1eb8", "10de:20b5", "10de:1af1"]
    assert "nouveau" in got["module_blacklist"]
    assert "nvidia" in got["module_blacklist"]
    other = params(session, vault, plain)
    assert (other["gpus"], other["vfio_pci_ids"], other["module_blacklist"]) == ([], [], [])


def test_the_cluster_cpu_model_is_overridden_per_compute(session: Session, vault: Vault) -> None:
    built = small(
        session, vault, {"controller": 1, "compute": 2}, options={"cpu_model": "EPYC-Rome"}
    )
    amd, intel = built["compute"]
    enrolment.set_machine(
        session, ec.serial_of(session, intel), {"cpu_model": "Cascadelake-Server"}
    )
    session.commit()
    assert params(session, vault, amd)["nova_cpu_model"] == "EPYC-Rome"
    assert params(session, vault, intel)["nova_cpu_model"] == "Cascadelake-Server"


# -- BGP, initial setup, node facts ------------------------------------------------------


def test_bgp_to_the_host(session: Session, vault: Vault) -> None:
    built = small(session, vault, {"controller": 1, "compute": 1}, ceph_network=True)
    fqdn = built["compute"][0]
    assert params(session, vault, fqdn)["bgp"] is None
    topology.set_cluster_options(
        session, "cl1", {"bgp_to_host": True, "bgp_asn_base": 4_210_000_000}
    )
    session.commit()
    machine_id = session.query(Machine.id).filter(Machine.hostname == fqdn).scalar()
    got = params(session, vault, fqdn)["bgp"]
    assert got["asn"] == 4_210_000_000 + machine_id
    assert got["peer_interfaces"] == ["eno1"]  # the management network's NIC
    assert got["loopback_addresses"] == [params(session, vault, fqdn)["management_address"]]
    assert got["router_id"] == got["loopback_addresses"][0]
    ctl = params(session, vault, built["controller"][0])["bgp"]
    assert ctl["asn"] != got["asn"]  # one ASN per host
    # A controller has the public network too: a second NIC to peer on, a second loopback.
    assert ctl["peer_interfaces"] == ["eno1", "eno2"]
    assert len(ctl["loopback_addresses"]) == 2


def test_initial_cluster_setup_turns_off_once_every_controller_ran_puppet(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 2, "sql": 2})
    first, second = built["controller"]
    assert params(session, vault, first)["initial_cluster_setup"] is True
    assert params(session, vault, built["sql"][0])["galera_bootstrap"] is True
    assert params(session, vault, first)["is_first_master"] is True
    assert params(session, vault, second)["is_first_master"] is False
    assert params(session, vault, second)["first_master"] == first
    for fqdn in built["controller"]:
        session.query(Machine).filter(
            Machine.hostname == fqdn
        ).one().status = MachineStatus.PUPPET_SUCCESS
        session.commit()
        done = fqdn == second
        assert params(session, vault, first)["initial_cluster_setup"] is not done
    assert params(session, vault, built["sql"][0])["galera_bootstrap"] is False
    topology.set_cluster_options(session, "cl1", {"initial_cluster_setup": False})
    session.query(Machine).filter(Machine.hostname == first).one().status = MachineStatus.LIVE
    session.commit()
    assert params(session, vault, first)["initial_cluster_setup"] is False


def test_node_parameters_name_cluster_role_location_and_aggregate(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"compute": 1})
    fqdn = built["compute"][0]
    row = session.query(Machine).filter(Machine.hostname == fqdn).one()
    row.compute_aggregate, row.rack, row.u_position = "gpu-nodes", "r12", 7
    session.commit()
    doc = ec.enc(session, vault, fqdn)
    assert doc["environment"] == "production"
    assert doc["parameters"] | {"oci_addresses": None} == {
        "oci_cluster": "cl1",
        "oci_role": "compute",
        "oci_hostname": fqdn,
        "oci_domain": "example.com",
        "oci_location": "zone1",
        "oci_availability_zone": "zone1",
        "oci_swift_region": "region1",
        "oci_compute_aggregate": "gpu-nodes",
        "oci_rack": "r12",
        "oci_u_position": 7,
        "oci_addresses": None,
    }
    assert doc["classes"]["oci::compute"]["compute_aggregate"] == "gpu-nodes"


def test_a_machine_in_no_cluster_has_no_document(session: Session, vault: Vault) -> None:
    from oci.errors import NotFound

    built = small(session, vault, {"compute": 1})
    fqdn = built["compute"][0]
    enrolment.remove_machine(session, ec.serial_of(session, fqdn))
    session.commit()
    with pytest.raises(NotFound, match="no enrolled machine"):
        ec.enc(session, vault, fqdn)
    assert session.query(Cluster).count() == 1


def test_a_custom_machine_gets_node_facts_and_no_class_of_ours(
    session: Session, vault: Vault
) -> None:
    built = small(session, vault, {"controller": 1, "custom": 1})
    doc = ec.enc(session, vault, built["custom"][0])
    assert doc["classes"] == {}
    assert doc["parameters"]["oci_role"] == "custom"
    assert "custom" not in str(params(session, vault, built["controller"][0])["controllers"])
