"""Enrolment through the API: networks, attachments, machine-add, a ready cluster."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.helpers import factories
from tests.helpers.api import Api


def ok(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def network(
    api: Api, name: str, address: str, prefix: int, location: str, public: bool = False
) -> Any:
    body = {
        "name": name,
        "address": address,
        "prefix_length": prefix,
        "location": location,
        "is_public": public,
    }
    return ok(api.post("/api/v1/networks", json=body), 201)


def attach(
    api: Api, name: str, cluster: str, role: str, iface1: str = "eno1", iface2: str | None = None
) -> TestResponse:
    body = {"cluster": cluster, "role": role, "iface1": iface1}
    if iface2:
        body["iface2"] = iface2
    return api.post(f"/api/v1/networks/{name}/attachment", json=body)


def add(
    api: Api, serial: str, cluster: str = "cl1", role: str = "controller", location: str = "zone1"
) -> TestResponse:
    body = {"cluster": cluster, "role": role, "location": location}
    return api.post(f"/api/v1/machines/{serial}/enrolment", json=body)


def make_cluster(api: Api, session: Session) -> Api:
    """cl1 in zone1: a management network for all, a public one for controllers, an
    IPv6 VM network, an OVS bridge; zone2 has a network of its own."""
    ok(api.post("/api/v1/swift-regions", json={"name": "region1"}), 201)
    for zone in ("zone1", "zone2"):
        ok(api.post("/api/v1/locations", json={"name": zone, "swift_region": "region1"}), 201)
    ok(api.post("/api/v1/clusters", json={"name": "cl1", "domain": "example.com"}), 201)
    network(api, "mgmt", "192.168.101.0", 24, "zone1")
    network(api, "pub", "203.0.113.0", 28, "zone1", public=True)
    network(api, "vmnet", "2001:db8:7::", 64, "zone1")
    network(api, "bridge", "10.99.0.0", 24, "zone1")
    network(api, "mgmt2", "192.168.102.0", 24, "zone2")
    ok(attach(api, "mgmt", "cl1", "all", "10g1", "10g2"))
    ok(attach(api, "pub", "cl1", "controller"))
    ok(attach(api, "vmnet", "cl1", "vm-net", "25g1"))
    ok(attach(api, "bridge", "cl1", "ovs-bridge", "eno2"))
    ok(attach(api, "mgmt2", "cl1", "all"))
    for n in range(1, 15):
        factories.machine(session, f"S{n}")
    session.commit()
    return api
