"""machine-add under concurrency: many requests at once against `oci serve` (2 processes).

The server processes share nothing but the database: these tests prove the
database alone keeps addresses, host names and the first master unique.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from tests.helpers import factories
from tests.helpers.database import Credentials, Database
from tests.helpers.server import LiveServer

PARALLEL = 50


class Http(requests.Session):
    """An HTTP session with the API's base URL."""

    base: str


@pytest.fixture
def cluster(live_server: LiveServer, admin: Credentials, session: Session) -> Http:
    http = Http()
    http.headers.update(admin.bearer)
    base = f"{live_server.url}/api/v1"

    def post(path: str, body: dict[str, Any]) -> None:
        response = http.post(base + path, json=body, timeout=30)
        assert response.status_code in (200, 201), response.text

    post("/swift-regions", {"name": "region1"})
    post("/locations", {"name": "zone1", "swift_region": "region1"})
    post("/clusters", {"name": "cl1", "domain": "example.com"})
    for name, address, prefix, public, role in [
        ("mgmt", "10.1.0.0", 24, False, "all"),
        ("pub", "203.0.113.0", 26, True, "controller"),  # the API VIP, no machine
        ("ctl", "10.2.0.0", 26, False, "controller"),
        ("v6", "2001:db8:5::", 64, False, "vm-net"),
    ]:
        post(
            "/networks",
            {
                "name": name,
                "address": address,
                "prefix_length": prefix,
                "location": "zone1",
                "is_public": public,
            },
        )
        post(f"/networks/{name}/attachment", {"cluster": "cl1", "role": role, "iface1": "10g1"})
    for n in range(PARALLEL):
        factories.machine(session, f"SN{n:03d}")
    session.commit()
    http.base = base
    return http


def _add(http: Http, serial: str, role: str = "controller") -> requests.Response:
    body = {"cluster": "cl1", "role": role, "location": "zone1"}
    return http.post(f"{http.base}/machines/{serial}/enrolment", json=body, timeout=120)


def test_parallel_machine_adds_never_share_an_address_or_name(cluster: Http) -> None:
    serials = [f"SN{n:03d}" for n in range(PARALLEL)]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        responses = list(pool.map(lambda s: _add(cluster, s), serials))
    assert [r.status_code for r in responses] == [201] * PARALLEL, [
        r.text for r in responses if r.status_code != 201
    ][:3]
    added = [r.json() for r in responses]

    hostnames = {m["hostname"] for m in added}
    assert hostnames == {f"cl1-controller-{n}.example.com" for n in range(1, PARALLEL + 1)}
    assert sum(m["is_first_master"] for m in added) == 1

    per_network: dict[str, list[str]] = {}
    for machine in added:
        for address in machine["addresses"]:
            per_network.setdefault(address["network"]["name"], []).append(address["address"])
    assert sorted(per_network) == ["ctl", "mgmt", "v6"]  # none in the public network
    for name, addresses in per_network.items():
        assert len(addresses) == PARALLEL, name
        assert len(set(addresses)) == PARALLEL, (name, Counter(addresses).most_common(2))
    # First free addresses, none skipped: .2 to .51 (.1 is the gateway).
    assert sorted(per_network["mgmt"], key=ipaddress.ip_address) == [
        f"10.1.0.{n}" for n in range(2, PARALLEL + 2)
    ]
    ips = cluster.get(f"{cluster.base}/clusters/cl1/ips", timeout=30).json()
    vips = [(i["address"], i["vip_usage"]) for i in ips["items"] if i["purpose"] == "vip"]
    assert vips == [("203.0.113.2", "api")]
    assert ips["total"] == 3 * PARALLEL + 1


def test_the_same_machine_added_at_once_is_added_once(cluster: Http) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda _: _add(cluster, "SN000"), range(10)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 9}, [r.text for r in responses]
    ips = cluster.get(f"{cluster.base}/clusters/cl1/ips", timeout=30).json()
    assert ips["total"] == 3 + 1


def test_concurrent_cluster_sets_all_land(cluster: Http) -> None:
    changes = {
        "time_server_host": "ntp.example.com",
        "vip_hostname": "api.example.com",
        "self_signed_api_cert": False,
        "initial_cluster_setup": False,
        "swift_part_power": 20,
        "swift_replicas": 2,
        "swift_min_part_hours": 5,
        "swift_proxy_hostname": "swift.example.com",
        "cpu_model": "EPYC",
        "region_name": "RegionTwo",
        "statsd_hostname": "statsd.example.com",
        "monitoring_graphite_host": "graphite.example.com",
        "monitoring_graphite_port": 2004,
        "admin_email_address": "ops@example.com",
        "disable_notifications": True,
        "neutron_use_dvr": False,
        "haproxy_timeout_client": "2m",
    }

    def set_one(item: tuple[str, object]) -> int:
        url = f"{cluster.base}/clusters/cl1"
        return cluster.patch(url, json=dict([item]), timeout=60).status_code

    with ThreadPoolExecutor(max_workers=len(changes)) as pool:
        assert set(pool.map(set_one, changes.items())) == {200}
    options = cluster.get(f"{cluster.base}/clusters/cl1", timeout=30).json()["options"]
    assert {k: options[k] for k in changes} == changes


def test_a_network_exhausted_by_parallel_adds_refuses_the_rest_cleanly(
    cluster: Http, database: Database
) -> None:
    # ctl is a /26: 62 hosts, less the gateway: 61 controllers. 70 try at once.
    for n in range(PARALLEL, 70):
        with database.sessions() as s:
            factories.machine(s, f"SN{n:03d}")
            s.commit()
    serials = [f"SN{n:03d}" for n in range(70)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda s: _add(cluster, s), serials))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 61, 409: 9}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["message"].startswith(
                "network 'ctl' (10.2.0.0/26) has no free address left for SN"
            )
    ips = cluster.get(f"{cluster.base}/clusters/cl1/ips", timeout=30).json()
    # The refused adds left nothing behind: 61 machines with 3 addresses, and the VIP.
    assert ips["total"] == 3 * 61 + 1
    hosts = [i["address"] for i in ips["items"]]
    assert len(set(hosts)) == len(hosts)
    machines = cluster.get(f"{cluster.base}/clusters/cl1/machines", timeout=30).json()
    assert machines["total"] == 61
    # Host numbers taken by a refused add are given back with its transaction.
    assert {m["hostname"] for m in machines["items"]} == {
        f"cl1-controller-{n}.example.com" for n in range(1, 62)
    }


def test_first_sql_machines_added_at_once_reserve_one_sql_vip(cluster: Http) -> None:
    serials = [f"SN{n:03d}" for n in range(PARALLEL)]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        responses = list(pool.map(lambda s: _add(cluster, s, "sql"), serials))
    assert [r.status_code for r in responses] == [201] * PARALLEL, [
        r.text for r in responses if r.status_code != 201
    ][:3]
    ips = cluster.get(f"{cluster.base}/clusters/cl1/ips", timeout=30).json()["items"]
    vips = sorted((i["network"]["name"], i["vip_usage"]) for i in ips if i["purpose"] == "vip")
    assert vips == [("mgmt", "sql"), ("pub", "api")]
    mgmt = [i["address"] for i in ips if i["network"]["name"] == "mgmt"]
    assert len(mgmt) == len(set(mgmt)) == PARALLEL + 1
