"""OCI's network-set settings, ipmi-assign-check, role counters, Filebeat output
hosts, roles of the operator's and cluster-set --first-master, through the API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Bmc, IpAddress, Machine, Network
from tests.helpers.api import Api
from tests.helpers.enrolment import add, make_cluster, network, ok


def _addresses(session: Session, name: str) -> list[str]:
    session.rollback()  # a fresh snapshot of what the API committed
    return list(
        session.scalars(
            select(IpAddress.address)
            .join(Network)
            .where(Network.name == name, IpAddress.machine_id.isnot(None))
            .order_by(IpAddress.id)
        )
    )


def test_network_set_moves_a_network_only_while_its_addresses_stay_inside(
    api: Api, session: Session
) -> None:
    make_cluster(api, session)
    ok(add(api, "S1"), 201)  # 192.168.101.2 in mgmt
    refused = api.patch(
        "/api/v1/networks/mgmt", json={"prefix_length": 30, "address": "192.168.101.4"}
    )
    assert refused.status_code == 409
    message = refused.get_json()["error"]["message"]
    assert "cannot become 192.168.101.4/30" in message and "192.168.101.2" in message
    overlap = api.patch("/api/v1/networks/mgmt", json={"address": "192.168.102.0"})
    assert (
        overlap.status_code == 409
        and "overlaps network 'mgmt2'" in overlap.get_json()["error"]["message"]
    )
    # Wider, the address still inside: done.
    moved = ok(
        api.patch("/api/v1/networks/mgmt", json={"address": "192.168.100.0", "prefix_length": 23})
    )
    assert moved["cidr"] == "192.168.100.0/23"
    bad = api.patch("/api/v1/networks/mgmt", json={"address": "2001:db8::"})
    assert bad.status_code == 422
    assert api.patch("/api/v1/networks/mgmt", json={"location": None}).status_code == 422
    moved_away = api.patch("/api/v1/networks/mgmt", json={"location": "zone2"})
    assert moved_away.status_code == 409
    assert "machines hold addresses" in moved_away.get_json()["error"]["message"]
    # A network no machine uses becomes public: it holds the cluster's API VIP, as
    # network-add gives one; then it cannot stop being public while it holds it.
    ok(api.patch("/api/v1/networks/bridge", json={"is_public": True}))
    ips = ok(api.get("/api/v1/clusters/cl1/ips"))["items"]
    assert [i["address"] for i in ips if i["network"]["name"] == "bridge"] == ["10.99.0.2"]
    back = api.patch("/api/v1/networks/bridge", json={"is_public": False})
    assert back.status_code == 409 and "API VIP" in back.get_json()["error"]["message"]
    assert api.patch("/api/v1/networks/mgmt", json={"is_public": True}).status_code == 409


def test_hosts_take_addresses_within_first_and_last_ip(api: Api, session: Session) -> None:
    make_cluster(api, session)
    shown = ok(
        api.patch(
            "/api/v1/networks/mgmt",
            json={"first_ip": "192.168.101.20", "last_ip": "192.168.101.21"},
        )
    )
    assert (shown["first_ip"], shown["last_ip"]) == ("192.168.101.20", "192.168.101.21")
    ok(add(api, "S1"), 201)
    ok(add(api, "S2"), 201)
    full = add(api, "S3")
    assert full.status_code == 409 and "no free address" in full.get_json()["error"]["message"]
    assert _addresses(session, "mgmt") == ["192.168.101.20", "192.168.101.21"]
    outside = api.patch("/api/v1/networks/mgmt", json={"last_ip": "192.168.102.9"})
    assert outside.status_code == 422
    reversed_ = api.patch("/api/v1/networks/mgmt", json={"first_ip": "192.168.101.30"})
    assert (
        reversed_.status_code == 422 and "comes after" in reversed_.get_json()["error"]["message"]
    )


def test_an_ipmi_network_and_ipmi_assign_check(api: Api, session: Session) -> None:
    make_cluster(api, session)
    network(api, "ipmi", "192.168.200.0", 24, "zone1")
    half = api.patch(
        "/api/v1/networks/ipmi", json={"role": "ipmi", "ipmi_match_address": "192.168.100.0"}
    )
    assert half.status_code == 422
    shown = ok(
        api.patch(
            "/api/v1/networks/ipmi",
            json={
                "role": "ipmi",
                "ipmi_match_address": "192.168.100.0",
                "ipmi_match_prefix_length": 24,
            },
        )
    )
    assert (shown["role"], shown["cluster"]) == ("ipmi", None)
    # S1, S2 report BMCs in it; S3 one configured elsewhere; S4 one outside it.
    ids = {serial: id_ for serial, id_ in session.execute(select(Machine.serial, Machine.id))}
    for serial, seen, configured in (
        ("S1", "192.168.200.11", None),
        ("S2", "192.168.200.12", "192.168.200.12"),
        ("S3", "192.168.200.13", "192.168.200.99"),
        ("S4", "10.0.0.4", None),
    ):
        session.add(Bmc(machine_id=ids[serial], ip_address=seen, ipmi_address=configured))
    # A VIP-free address another machine already holds: named, not taken.
    held = session.scalar(select(Network.id).where(Network.name == "ipmi"))
    session.add(
        IpAddress(network_id=held, address="192.168.200.12", machine_id=ids["S5"], purpose="bmc")
    )
    session.commit()
    result = ok(api.post("/api/v1/ipmi-assign-check"))
    assert result["recorded"] == [{"serial": "S1", "address": "192.168.200.11", "network": "ipmi"}]
    assert [c["serial"] for c in result["conflicts"]] == ["S2"]
    assert result["message"].splitlines() == [
        "Recorded IPMI addr 192.168.200.11 for machine with serial S1.",
        "Not recorded: IPMI addr 192.168.200.12 of machine S2 is held by machine S5.",
    ]
    again = ok(api.post("/api/v1/ipmi-assign-check"))
    assert again["recorded"] == []


def test_role_counts_roles_filebeat_hosts_and_first_master(api: Api, session: Session) -> None:
    make_cluster(api, session)
    for serial in ("S1", "S2"):
        ok(add(api, serial), 201)
    counts = ok(api.get("/api/v1/clusters/cl1/rolecounts"))["items"]
    assert counts == [{"role": "controller", "count": 2}]
    low = api.client.put(
        "/api/v1/clusters/cl1/rolecounts/controller", headers=api.user.bearer, json={"count": 1}
    )
    assert (
        low.status_code == 409 and "cl1-controller-2 exists" in low.get_json()["error"]["message"]
    )
    ok(
        api.client.put(
            "/api/v1/clusters/cl1/rolecounts/controller", headers=api.user.bearer, json={"count": 9}
        )
    )
    assert ok(add(api, "S3"), 201)["hostname"] == "cl1-controller-10.example.com"

    # first master: a controller of the cluster, one at a time
    assert api.patch("/api/v1/clusters/cl1", json={"first_master": "S9"}).status_code == 422
    ok(api.patch("/api/v1/clusters/cl1", json={"first_master": "S2"}))
    machines = ok(api.get("/api/v1/clusters/cl1/machines"))["items"]
    assert {m["serial"] for m in machines if m["is_first_master"]} == {"S2"}

    # roles of the operator's
    assert ok(api.post("/api/v1/roles", json={"name": "billmon"}), 201)["name"] == "billmon"
    assert api.post("/api/v1/roles", json={"name": "billmon"}).status_code == 409
    assert api.delete("/api/v1/roles/controller").status_code == 409
    assert api.delete("/api/v1/roles/billmon").status_code == 204

    # filebeat output hosts: the option the ENC passes
    path = "/api/v1/clusters/cl1/filebeat-output-hosts"
    ok(api.post(path, json={"hostname": "logs1.example.com", "port": 5044}), 201)
    ok(api.post(path, json={"hostname": "logs2.example.com", "port": 5044}), 201)
    assert api.post(path, json={"hostname": "logs2.example.com", "port": 5044}).status_code == 409
    options = ok(api.get("/api/v1/clusters/cl1"))["options"]
    assert options["filebeat_output_hosts"] == "logs1.example.com:5044,logs2.example.com:5044"
    left = ok(api.delete(f"{path}/logs1.example.com/5044"))
    assert left["items"] == [{"cluster": "cl1", "hostname": "logs2.example.com", "port": 5044}]
    ok(api.delete(f"{path}/logs2.example.com/5044"))
    assert ok(api.get("/api/v1/clusters/cl1"))["options"]["filebeat_output_hosts"] is None


def test_machine_notes_are_kept_and_reach_no_class(api: Api, session: Session) -> None:
    make_cluster(api, session)
    ok(add(api, "S1"), 201)
    path = "/api/v1/machines/S1/settings"
    shown = ok(api.patch(path, json={"notes": "PSU 2 replaced, ticket 4411"}))
    assert shown["settings"]["notes"] == "PSU 2 replaced, ticket 4411"
    assert api.patch(path, json={"notes": "two\nlines"}).status_code in (400, 422)
    document = ok(api.get("/api/v1/enc/" + shown["hostname"]))
    assert "PSU 2" not in str(document)
