"""machine-add and friends through the API: host names, addresses, VIPs, first master.

Every refused request must leave the inventory exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from oci.db import Base
from oci.models import IpAddress, Machine
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Database
from tests.helpers.enrolment import add, attach, make_cluster, network, ok


def _counts(database: Database) -> dict[str, int]:
    with database.sessions() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name not in ("users", "api_tokens")
        }


def _snapshot(database: Database) -> dict[str, Any]:
    """Row counts plus every machine's enrolment and every counter: what a refusal must keep."""
    with database.sessions() as s:
        machines = [
            (m.serial, m.hostname, m.cluster_id, m.is_first_master, m.settings)
            for m in s.scalars(select(Machine).order_by(Machine.serial))
        ]
        counters = s.execute(Base.metadata.tables["role_counters"].select()).all()
        networks = s.execute(Base.metadata.tables["networks"].select()).all()
    return {
        "counts": _counts(database),
        "machines": machines,
        "counters": counters,
        "nets": networks,
    }


def refused(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


@pytest.fixture
def cluster(api: Api, session: Session) -> Api:
    return make_cluster(api, session)


def test_machine_add_computes_names_addresses_and_first_master(cluster: Api) -> None:
    api = cluster
    first = ok(add(api, "S1"), 201)
    assert first["hostname"] == "cl1-controller-1.example.com"
    assert first["is_first_master"] is True
    assert first["cluster"]["name"] == "cl1" and first["location"]["name"] == "zone1"
    # .1 is the gateway. The public network (attached for controllers) holds
    # the cluster's API VIP and gives no machine an address, as OCI.
    assert {a["network"]["name"]: a["address"] for a in first["addresses"]} == {
        "mgmt": "192.168.101.2",
        "vmnet": "2001:db8:7::2",
    }
    # Interfaces by speed class resolve to this machine's NICs (eno1: 25 Gbit/s);
    # a class it has no NIC for is a warning to see before installing.
    interfaces = {a["network"]["name"]: a["interfaces"] for a in first["addresses"]}
    assert interfaces == {"mgmt": ["eno1"], "vmnet": ["eno1"]}
    assert first["warnings"] == ["network mgmt: no NIC of this machine is '10g2'"]
    second = ok(add(api, "S2"), 201)
    assert second["hostname"] == "cl1-controller-2.example.com"
    assert second["is_first_master"] is False
    compute = ok(add(api, "S3", role="compute"), 201)
    assert compute["hostname"] == "cl1-compute-1.example.com"
    assert {a["network"]["name"]: a["address"] for a in compute["addresses"]} == {
        "mgmt": "192.168.101.4",
        "vmnet": "2001:db8:7::4",
    }
    store = ok(add(api, "S4", role="swiftstore", location="zone2"), 201)
    assert store["hostname"] == "cl1-swiftstore-1.example.com"
    assert [(a["network"]["name"], a["address"]) for a in store["addresses"]] == [
        ("mgmt2", "192.168.102.2")
    ]
    assert ok(api.get("/api/v1/machines/S4/enrolment")) == store
    ok(api.post("/api/v1/locations", json={"name": "zone3", "swift_region": "region1"}), 201)
    lonely = ok(add(api, "S5", role="compute", location="zone3"), 201)
    assert lonely["addresses"] == []
    assert lonely["warnings"] == [
        "no address: no network of cluster cl1 in location zone3 serves role compute "
        "(see network-add)"
    ]
    assert api.delete("/api/v1/machines/S5/enrolment").status_code == 204

    ips = ok(api.get("/api/v1/clusters/cl1/ips"))
    vips = [
        (i["network"]["name"], i["address"], i["vip_usage"], i["hostname"])
        for i in ips["items"]
        if i["purpose"] == "vip"
    ]
    assert vips == [("pub", "203.0.113.2", "api", None)]
    held = {(i["network"]["name"], i["hostname"]) for i in ips["items"] if i["purpose"] == "host"}
    assert len(held) == 7 and not [h for h in held if h[0] == "pub"]
    assert {i["vip_usage"] for i in ips["items"] if i["purpose"] == "host"} == {None}

    machines = ok(api.get("/api/v1/clusters/cl1/machines"))["items"]
    assert [(m["hostname"], m["role"], m["is_first_master"]) for m in machines] == [
        ("cl1-compute-1.example.com", "compute", False),
        ("cl1-controller-1.example.com", "controller", True),
        ("cl1-controller-2.example.com", "controller", False),
        ("cl1-swiftstore-1.example.com", "swiftstore", False),
    ]
    networks = ok(api.get("/api/v1/clusters/cl1/networks"))["items"]
    assert [(n["name"], n["role"], n["iface1"], n["iface2"]) for n in networks] == [
        ("bridge", "ovs-bridge", "eno2", None),
        ("mgmt", "all", "10g1", "10g2"),
        ("mgmt2", "all", "eno1", None),
        ("pub", "controller", "eno1", None),
        ("vmnet", "vm-net", "25g1", None),
    ]


def test_refused_machine_adds_change_nothing(cluster: Api, database: Database) -> None:
    api = cluster
    ok(add(api, "S1"), 201)
    before = _snapshot(database)
    assert "already cl1-controller-1.example.com" in refused(add(api, "S1"), 409)["message"]
    assert refused(add(api, "NOPE"), 404)["message"] == "no machine with serial 'NOPE'"
    error = refused(add(api, "S2", cluster="cl9"), 422)
    assert error["details"]["fields"] == {"cluster": "no cluster 'cl9'"}
    assert "role" in refused(add(api, "S2", role="wizard"), 422)["details"]["fields"]
    assert "location" in refused(add(api, "S2", location="zone9"), 422)["details"]["fields"]
    assert _snapshot(database) == before


def test_a_small_public_network_holds_no_machine_address(cluster: Api, session: Session) -> None:
    """pub is a /28 (12 addresses past the gateway): 30 computes and 14 controllers
    all enrol, none holds a public address, and pub holds the API VIP only."""
    api = cluster
    for n in range(15, 45):
        factories.machine(session, f"S{n}")
    session.commit()
    for n in range(15, 45):
        added = ok(add(api, f"S{n}", role="compute"), 201)
        assert "pub" not in {a["network"]["name"] for a in added["addresses"]}
    for n in range(1, 15):
        ok(add(api, f"S{n}"), 201)
    ips = ok(api.get("/api/v1/clusters/cl1/ips"))["items"]
    in_pub = [
        (i["address"], i["purpose"], i["vip_usage"]) for i in ips if i["network"]["name"] == "pub"
    ]
    assert in_pub == [("203.0.113.2", "vip", "api")]
    machines = ok(api.get("/api/v1/clusters/cl1/machines"))
    assert len(machines["items"]) == 44


def test_an_exhausted_network_names_itself_and_changes_nothing(
    cluster: Api, database: Database
) -> None:
    api = cluster
    # tiny is a /29: 6 hosts, less the gateway: 5 swift stores.
    network(api, "tiny", "10.60.0.0", 29, "zone1")
    ok(attach(api, "tiny", "cl1", "swiftstore"))
    for n in range(1, 6):
        ok(add(api, f"S{n}", role="swiftstore"), 201)
    before = _snapshot(database)
    error = refused(add(api, "S6", role="swiftstore"), 409)
    assert error["message"] == (
        "network 'tiny' (10.60.0.0/29) has no free address left for S6; nothing was changed"
    )
    assert error["details"] == {"network": "tiny"}
    assert _snapshot(database) == before
    # A compute needs no address there: it still fits.
    assert ok(add(api, "S6", role="compute"), 201)["hostname"] == "cl1-compute-1.example.com"


def test_remove_frees_addresses_and_hands_over_first_master(
    cluster: Api, database: Database
) -> None:
    api = cluster
    for serial in ("S1", "S2", "S3"):
        ok(add(api, serial), 201)
    assert api.delete("/api/v1/machines/S1/enrolment").status_code == 204
    machines = ok(api.get("/api/v1/clusters/cl1/machines"))["items"]
    assert [(m["hostname"], m["is_first_master"]) for m in machines] == [
        ("cl1-controller-2.example.com", True),
        ("cl1-controller-3.example.com", False),
    ]
    assert refused(api.delete("/api/v1/machines/S1/enrolment"), 409)["message"] == (
        "machine 'S1' is in no cluster"
    )
    # Host numbers are never reused; freed addresses are.
    again = ok(add(api, "S1"), 201)
    assert again["hostname"] == "cl1-controller-4.example.com"
    assert again["is_first_master"] is False
    assert {a["address"] for a in again["addresses"]} == {"192.168.101.2", "2001:db8:7::2"}

    assert api.delete("/api/v1/machines/S2").status_code == 204
    assert refused(api.get("/api/v1/machines/S2/enrolment"), 404)
    machines = ok(api.get("/api/v1/clusters/cl1/machines"))["items"]
    assert [(m["hostname"], m["is_first_master"]) for m in machines] == [
        ("cl1-controller-3.example.com", True),
        ("cl1-controller-4.example.com", False),
    ]
    assert _counts(database)["machines"] == 13


def _vips(api: Api, cluster: str = "cl1") -> list[tuple[str, str, str]]:
    """(network, address, usage) of the cluster's VIPs."""
    ips = ok(api.get(f"/api/v1/clusters/{cluster}/ips"))["items"]
    return sorted(
        (i["network"]["name"], i["address"], i["vip_usage"]) for i in ips if i["purpose"] == "vip"
    )


def test_the_sql_vip_comes_with_the_first_sql_machine_and_goes_with_the_last(
    cluster: Api,
) -> None:
    api = cluster
    assert _vips(api) == [("pub", "203.0.113.2", "api")]
    ok(add(api, "S1"), 201)  # a controller: no SQL VIP
    assert _vips(api) == [("pub", "203.0.113.2", "api")]
    first = ok(add(api, "S2", role="sql"), 201)
    # On the sql machines' management network, next to the first one's address.
    assert [(a["network"]["name"], a["address"]) for a in first["addresses"]] == [
        ("mgmt", "192.168.101.3")
    ]
    sql_vip = ("mgmt", "192.168.101.4", "sql")
    assert _vips(api) == [sql_vip, ("pub", "203.0.113.2", "api")]
    ok(add(api, "S3", role="sql"), 201)
    assert _vips(api) == [sql_vip, ("pub", "203.0.113.2", "api")]
    assert api.delete("/api/v1/machines/S2/enrolment").status_code == 204
    assert _vips(api) == [sql_vip, ("pub", "203.0.113.2", "api")]
    assert api.delete("/api/v1/machines/S3/enrolment").status_code == 204
    assert _vips(api) == [("pub", "203.0.113.2", "api")]

    # A network attached for sql comes before one for all.
    network(api, "galera", "10.70.0.0", 24, "zone1")
    ok(attach(api, "galera", "cl1", "sql"))
    assert _vips(api) == [("pub", "203.0.113.2", "api")]  # no sql machine yet
    ok(add(api, "S4", role="sql"), 201)
    assert _vips(api) == [("galera", "10.70.0.3", "sql"), ("pub", "203.0.113.2", "api")]
    # The last sql machine gone, so is the VIP; the next one says where it comes back.
    assert api.delete("/api/v1/machines/S4/enrolment").status_code == 204
    ok(add(api, "S5", role="sql", location="zone2"), 201)
    assert _vips(api) == [("mgmt2", "192.168.102.3", "sql"), ("pub", "203.0.113.2", "api")]


def test_the_sql_vip_waits_for_a_network_and_moves_when_it_goes(cluster: Api) -> None:
    api = cluster
    ok(api.post("/api/v1/locations", json={"name": "zone3", "swift_region": "region1"}), 201)
    assert ok(add(api, "S1", role="sql", location="zone3"), 201)["addresses"] == []
    assert _vips(api) == [("pub", "203.0.113.2", "api")]
    network(api, "mgmt3", "192.168.103.0", 24, "zone3")
    ok(attach(api, "mgmt3", "cl1", "all"))  # the cluster has a sql machine there
    assert _vips(api) == [("mgmt3", "192.168.103.2", "sql"), ("pub", "203.0.113.2", "api")]
    network(api, "galera3", "10.73.0.0", 24, "zone3")
    ok(attach(api, "galera3", "cl1", "sql"))  # the SQL VIP has a home already
    assert _vips(api) == [("mgmt3", "192.168.103.2", "sql"), ("pub", "203.0.113.2", "api")]
    ok(api.delete("/api/v1/networks/mgmt3/attachment"))
    assert _vips(api) == [("galera3", "10.73.0.2", "sql"), ("pub", "203.0.113.2", "api")]
    ok(api.delete("/api/v1/networks/galera3/attachment"))
    assert _vips(api) == [("pub", "203.0.113.2", "api")]


def test_a_network_without_room_for_a_vip_says_so_and_changes_nothing(
    cluster: Api, database: Database, session: Session
) -> None:
    api = cluster
    ok(api.post("/api/v1/locations", json={"name": "zone3", "swift_region": "region1"}), 201)
    # A /30 has one address past its gateway: the sql machine takes it, the VIP finds none.
    network(api, "tight", "10.74.0.0", 30, "zone3")
    ok(attach(api, "tight", "cl1", "sql"))
    before = _snapshot(database)
    error = refused(add(api, "S1", role="sql", location="zone3"), 409)
    assert error["message"] == (
        "network 'tight' (10.74.0.0/30) has no free address left for the SQL VIP of "
        "cluster 'cl1'; nothing was changed"
    )
    assert error["details"] == {"network": "tight"}
    assert _snapshot(database) == before

    # A public /32 whose one address a machine held before (an older oci gave
    # machines public addresses) has no room for the API VIP.
    ok(api.post("/api/v1/clusters", json={"name": "cl2", "domain": "example.com"}), 201)
    full = network(api, "full", "198.51.100.9", 32, "zone1", public=True)
    machine = session.scalar(select(Machine).where(Machine.serial == "S14"))
    assert machine is not None
    session.add(IpAddress(network_id=full["id"], address="198.51.100.9", machine_id=machine.id))
    session.commit()
    before = _snapshot(database)
    error = refused(attach(api, "full", "cl2", "controller"), 409)
    assert error["message"] == (
        "network 'full' (198.51.100.9/32) has no free address left for the API VIP of "
        "cluster 'cl2'; nothing was changed"
    )
    assert _snapshot(database) == before


def test_a_public_slash_32_is_the_api_vip_itself(api: Api, session: Session) -> None:
    ok(api.post("/api/v1/swift-regions", json={"name": "region1"}), 201)
    ok(api.post("/api/v1/locations", json={"name": "zone1", "swift_region": "region1"}), 201)
    ok(api.post("/api/v1/clusters", json={"name": "cl1", "domain": "example.com"}), 201)
    network(api, "mgmt", "192.168.101.0", 24, "zone1")
    network(api, "vip", "198.51.100.7", 32, "zone1", public=True)
    ok(attach(api, "mgmt", "cl1", "all"))
    ok(attach(api, "vip", "cl1", "all"))  # role all: every machine, yet no public address
    assert _vips(api) == [("vip", "198.51.100.7", "api")]
    for n in (1, 2, 3):
        factories.machine(session, f"S{n}")
    session.commit()
    for serial, role in (("S1", "controller"), ("S2", "compute"), ("S3", "sql")):
        added = ok(add(api, serial, role=role), 201)
        assert [a["network"]["name"] for a in added["addresses"]] == ["mgmt"]
    assert _vips(api) == [("mgmt", "192.168.101.5", "sql"), ("vip", "198.51.100.7", "api")]


def test_network_add_set_remove(cluster: Api, database: Database) -> None:
    api = cluster
    network(api, "spare", "10.50.0.0", 24, "zone1")
    before = _snapshot(database)
    error = refused(attach(api, "spare", "cl1", "wizard"), 422)
    assert "vm-net" in error["message"] and "controller" in error["message"]
    error = refused(attach(api, "spare", "cl1", "all", "not an iface!"), 422)
    assert "iface1" in error["details"]["fields"]
    assert "already attached" in refused(attach(api, "mgmt", "cl1", "all"), 409)["message"]
    assert refused(attach(api, "nope", "cl1", "all"), 404)["message"] == "no network named 'nope'"
    assert _snapshot(database) == before

    ok(add(api, "S1", role="compute"), 201)
    response = api.patch("/api/v1/networks/mgmt", json={"mtu": 9000, "vlan": 101})
    assert (ok(response)["mtu"], ok(response)["vlan"]) == (9000, 101)
    bad = [
        ({"vlan": 4095}, "vlan"),
        ({"mtu": 100}, "mtu"),
        ({"colour": "red"}, "body"),
    ]
    before = _snapshot(database)
    for body, field in bad:
        assert (
            field
            in refused(api.patch("/api/v1/networks/mgmt", json=body), 422)["details"]["fields"]
        )
    error = refused(api.patch("/api/v1/networks/vmnet", json={"mtu": 1000}), 422)
    assert error["message"] == "IPv6 needs an MTU of at least 1280"
    # The compute holds an address in mgmt: a role that would not serve it is refused.
    error = refused(api.patch("/api/v1/networks/mgmt", json={"role": "controller"}), 409)
    assert "cl1-compute-1.example.com" in error["message"]
    error = refused(api.delete("/api/v1/networks/mgmt/attachment"), 409)
    assert "cl1-compute-1.example.com" in error["message"]
    assert _snapshot(database) == before

    assert ok(api.patch("/api/v1/networks/mgmt", json={"vlan": None}))["vlan"] is None
    detached = ok(api.delete("/api/v1/networks/pub/attachment"))
    assert (detached["cluster"], detached["role"]) == (None, None)
    ips = ok(api.get("/api/v1/clusters/cl1/ips"))["items"]
    assert not [i for i in ips if i["purpose"] == "vip"]
    assert api.delete("/api/v1/networks/pub").status_code == 204


def test_cluster_set_options(cluster: Api, database: Database) -> None:
    api = cluster
    body = {
        "time_server_host": "ntp.example.com",
        "swift_part_power": 20,
        "self_signed_api_cert": False,
        "cpu_mode": "custom",
        "cpu_model": "EPYC-Rome",
        "region_name": "RegionTwo",
        "admin_email_address": "ops@example.com",
        "cpu_allocation_ratio": 2,
    }
    refused_body = refused(api.patch("/api/v1/clusters/cl1", json=body), 422)
    assert "unknown option(s) cpu_allocation_ratio" in refused_body["message"]  # a machine's
    del body["cpu_allocation_ratio"]
    options = ok(api.patch("/api/v1/clusters/cl1", json=body))["options"]
    assert {k: options[k] for k in body} == body
    assert options["swift_replicas"] == 3  # untouched, default
    assert (options["nameserver_v4_prim"], options["neutron_global_physnet_mtu"]) == (
        "9.9.9.9",
        8950,
    )
    reset = ok(api.patch("/api/v1/clusters/cl1", json={"time_server_host": None}))["options"]
    assert reset["time_server_host"] == "0.debian.pool.ntp.org"
    assert reset["swift_part_power"] == 20
    # yes/no options are booleans; the API also takes yes, no, true and false
    words = {"disable_notifications": "yes", "neutron_use_dvr": "no", "install_designate": "true"}
    options = ok(api.patch("/api/v1/clusters/cl1", json=words))["options"]
    assert [options[k] for k in words] == [True, False, True]
    # a named CPU model alone implies cpu_mode custom
    ok(api.patch("/api/v1/clusters/cl1", json={"cpu_mode": None}))
    assert ok(api.get("/api/v1/clusters/cl1"))["options"]["cpu_mode"] == "custom"

    before = _snapshot(database)
    error = refused(api.patch("/api/v1/clusters/cl1", json={"colour": "red"}), 422)
    assert (
        "unknown option(s) colour; valid options: region_name, openstack_release"
        in (error["message"])
    )
    error = refused(api.patch("/api/v1/clusters/cl1", json={"neutron_use_dvr": "maybe"}), 422)
    assert "expected yes or no" in error["message"]
    error = refused(
        api.patch(
            "/api/v1/clusters/cl1",
            json={"neutron_vxlan_vni_min": 5000, "neutron_vxlan_vni_max": 4000},
        ),
        422,
    )
    assert "neutron_vxlan_vni_min (5000) is above neutron_vxlan_vni_max (4000)" in error["message"]
    error = refused(api.patch("/api/v1/clusters/cl1", json={"openstack_release": "grizzly"}), 422)
    assert "'epoxy'" in error["message"] and "openstack_release" in error["details"]["fields"]
    error = refused(api.patch("/api/v1/clusters/cl1", json={"swift_replicas": 0}), 422)
    assert "swift_replicas" in error["details"]["fields"]
    assert refused(api.patch("/api/v1/clusters/nope", json={}), 404)
    assert _snapshot(database) == before


def test_machine_set_options(cluster: Api, database: Database) -> None:
    api = cluster
    gpus = [
        {"name": "t4", "vendor_id": "10de", "product_id": "1eb8"},
        {
            "name": "a100",
            "vendor_id": "10de",
            "product_id": "20b5",
            "device_type": "type-PF",
            "vfio_ids": ["10de:20b5", "10de:1af1"],
        },
    ]
    body: dict[str, Any] = {
        "gpus": gpus,
        "cpu_model": "EPYC-Milan",
        "nested_virt": "yes",
        "cpu_allocation_ratio": 4,
        "compute_is_cephosd": True,
        "serial_console": "ttyS1",
        "use_ceph_if_available": True,
        "install_on_raid": True,
        "raid_type": "1",
        "raid_devices": ["sda", "sdb"],
        "datacenter": "dc1",
        "row": "b",
        "rack": "r5",
        "u_position": 12,
    }
    shown = ok(api.patch("/api/v1/machines/S1/settings", json=body))
    assert (shown["datacenter"], shown["row"], shown["rack"], shown["u_position"]) == (
        "dc1",
        "b",
        "r5",
        12,
    )
    settings = shown["settings"]
    assert [g["name"] for g in settings["gpus"]] == ["t4", "a100"]
    assert settings["gpus"][0]["device_type"] == "type-PCI"
    assert settings["gpus"][1]["vfio_ids"] == ["10de:20b5", "10de:1af1"]
    assert (settings["cpu_model"], settings["raid_type"]) == ("EPYC-Milan", "1")
    assert (settings["cpu_mode"], settings["nested_virt"]) == ("custom", True)
    assert (settings["cpu_allocation_ratio"], settings["compute_is_cephosd"]) == (4.0, True)
    assert settings["cpu_model_extra_flags"] == "cluster_value"  # the cluster's
    assert settings["kernel_from_backports"] is False  # OCI's default
    assert ok(api.get("/api/v1/machines/S1/settings")) == shown

    before = _snapshot(database)
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"raid_devices": ["sda"]}, "RAID 1 needs at least 2 raid_devices"),
        ({"gpus": [gpus[0], gpus[0]]}, "two GPU types have the same name"),
        ({"serial_console": "ttyUSB0"}, "'ttyS0'"),
        ({"gpus": [{"name": "x", "vendor_id": "NVDA", "product_id": "1eb8"}]}, "gpus.0.vendor_id"),
        ({"turbo": True}, "unknown option(s) turbo; valid options: notes, install_on_raid"),
        ({"nested_virt": "maybe"}, "expected yes, no or cluster_value, not 'maybe'"),
        ({"cpu_mode": "fast"}, "'custom' or 'cluster_value'"),
        ({"cpu_allocation_ratio": -1}, "cpu_allocation_ratio"),
    ]
    for body, words in refusals:
        assert (
            words in refused(api.patch("/api/v1/machines/S1/settings", json=body), 422)["message"]
        )
    assert refused(api.patch("/api/v1/machines/NOPE/settings", json={}), 404)
    assert _snapshot(database) == before
    cleared = ok(api.patch("/api/v1/machines/S1/settings", json={"gpus": None, "rack": None}))
    assert (cleared["settings"]["gpus"], cleared["rack"]) == ([], None)


def test_first_master_goes_to_the_lowest_numbered_controller(cluster: Api) -> None:
    api = cluster
    for n in range(1, 12):
        ok(add(api, f"S{n}"), 201)
    assert api.delete("/api/v1/machines/S1/enrolment").status_code == 204
    machines = ok(api.get("/api/v1/clusters/cl1/machines"))["items"]
    # Listed by number, not as text: controller-10 after controller-9.
    assert [m["hostname"].split(".")[0] for m in machines] == [
        f"cl1-controller-{n}" for n in range(2, 12)
    ]
    assert [m["is_first_master"] for m in machines] == [True] + [False] * 9


def test_a_bad_bridge_name_is_refused_as_a_bridge_name(cluster: Api) -> None:
    def refusal(name: str) -> str:
        body = {"bridge_name": name}
        error = refused(cluster.patch("/api/v1/networks/bridge", json=body), 422)
        return str(error["details"]["fields"]["bridge_name"])

    rule = "a letter, then up to 14 letters, digits, '.', '_' or '-' (br-ex)"
    for name in ("", "10g1", "br ex", "br-external-net0"):
        assert refusal(name).endswith(f"{name!r} is not a bridge name: {rule}"), name
    assert (
        ok(cluster.patch("/api/v1/networks/bridge", json={"bridge_name": "br-ex"}))["bridge_name"]
        == "br-ex"
    )
