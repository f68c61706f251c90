"""OCI's remaining machine commands on the API: addresses by hand, --fixed-ip, the
report counter, root passwords, machine-replace, machine-auto-add, the install
command, machines by host name. Each refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Machine, RootKeyPair
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Credentials
from tests.helpers.enrolment import add, attach, make_cluster, network, ok
from tests.helpers.reports import archive, lldpctl_json, machine_files

IPS = "/api/v1/machines/{}/ip-addresses"


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_json()
    message: str = response.get_json()["error"]["message"]
    return message


def ips(api: Api, key: str) -> list[tuple[str, str, str]]:
    items = ok(api.get(IPS.format(key)))["items"]
    return [(i["network"], i["address"], i["purpose"]) for i in items]


@pytest.fixture
def cluster(api: Api, session: Session) -> Api:
    """make_cluster's cl1, plus a storage network attached for cephosd only (a
    controller gets no address there), and an unattached one."""
    make_cluster(api, session)
    network(api, "storage", "10.20.0.0", 24, "zone1")
    ok(attach(api, "storage", "cl1", "cephosd"))
    network(api, "spare", "10.30.0.0", 24, "zone1")
    ok(add(api, "S1"), 201)
    ok(add(api, "S2"), 201)
    return api


def test_ip_add_list_remove(cluster: Api) -> None:
    before = ips(cluster, "S1")
    assert ("mgmt", "192.168.101.2", "host") in before
    added = ok(
        cluster.post(IPS.format("S1"), json={"network": "storage", "address": "10.20.0.15"}), 201
    )
    assert added == {"network": "storage", "address": "10.20.0.15", "purpose": "host"}
    # By host name too, and machine-add's answer (what the installer uses) lists it.
    assert ("storage", "10.20.0.15", "host") in ips(cluster, "cl1-controller-1.example.com")
    shown = ok(cluster.get("/api/v1/machines/S1/enrolment"))
    assert {"storage": "10.20.0.15"}.items() <= {
        a["network"]["name"]: a["address"] for a in shown["addresses"]
    }.items()

    assert cluster.delete(IPS.format("S1") + "/10.20.0.15").status_code == 204
    assert ips(cluster, "S1") == before
    assert "holds no address 10.20.0.15" in error(
        cluster.delete(IPS.format("S1") + "/10.20.0.15"), 404
    )
    # IPv6, written another way, is the same address (machine-add's: refused).
    v6 = next(a for n, a, _ in before if n == "vmnet")
    assert "machine-replace" in error(
        cluster.delete(IPS.format("S1") + "/" + v6.replace("::", ":0::")), 409
    )
    assert ips(cluster, "S1") == before


def test_the_address_machine_add_gave_stays(cluster: Api) -> None:
    """Freed, it went to the next machine-add while the machine still used it:
    two machines with one address once installed."""
    before = ips(cluster, "S1")
    assert ("mgmt", "192.168.101.2", "host") in before
    refused = error(cluster.delete(IPS.format("S1") + "/192.168.101.2"), 409)
    assert "machine-add gave it" in refused and "machine-replace" in refused
    assert ips(cluster, "S1") == before
    ok(add(cluster, "S3"), 201)
    assert "192.168.101.2" not in [a for _, a, _ in ips(cluster, "S3")]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"network": "storage", "address": "10.21.0.5"}, 422, "not in network 'storage'"),
        ({"network": "storage", "address": "10.20.0.1"}, 422, "gateway"),
        ({"network": "storage", "address": "10.20.0.255"}, 422, "broadcast"),
        ({"network": "storage", "address": "10.20.0.0"}, 422, "not a usable"),
        ({"network": "storage", "address": "ten"}, 422, "not an IP address"),
        ({"network": "nowhere", "address": "10.20.0.5"}, 404, "no network named 'nowhere'"),
        ({"network": "pub", "address": "203.0.113.9"}, 409, "is public"),
        ({"network": "spare", "address": "10.30.0.9"}, 409, "network-add it to the cluster"),
        ({"network": "mgmt", "address": "192.168.101.9"}, 409, "machine-ip-remove it first"),
        ({"network": "storage", "address": "10.20.0.5", "x": 1}, 422, "unknown field"),
    ],
)
def test_ip_add_refusals(cluster: Api, body: dict[str, Any], status: int, says: str) -> None:
    before = ips(cluster, "S1")
    assert says in error(cluster.post(IPS.format("S1"), json=body), status)
    assert ips(cluster, "S1") == before


def test_ip_add_of_a_held_address_or_an_unenrolled_machine(cluster: Api) -> None:
    ok(cluster.post(IPS.format("S1"), json={"network": "storage", "address": "10.20.0.15"}), 201)
    taken = error(
        cluster.post(IPS.format("S2"), json={"network": "storage", "address": "10.20.0.15"}), 409
    )
    assert "already held by machine cl1-controller-1.example.com" in taken
    assert "in no cluster" in error(
        cluster.post(IPS.format("S3"), json={"network": "storage", "address": "10.20.0.16"}), 409
    )
    assert "no machine" in error(cluster.get(IPS.format("NOPE")), 404)
    assert ips(cluster, "S3") == []


def test_the_bmc_address_stays(cluster: Api, session: Session) -> None:
    from oci.models import IpAddress, Network

    s1 = session.scalars(select(Machine).where(Machine.serial == "S1")).one()
    spare = session.scalars(select(Network).where(Network.name == "spare")).one()
    session.add(
        IpAddress(network_id=spare.id, address="10.30.0.7", machine_id=s1.id, purpose="bmc")
    )
    session.commit()
    assert "machine-set-ipmi" in error(cluster.delete(IPS.format("S1") + "/10.30.0.7"), 409)
    assert ("spare", "10.30.0.7", "bmc") in ips(cluster, "S1")


def test_machine_add_with_a_fixed_ip(api: Api, session: Session) -> None:
    make_cluster(api, session)
    body = {"cluster": "cl1", "role": "controller", "location": "zone1"}
    refused = [
        ({"fixed_ip": "10.9.9.9"}, 422, "no network of cluster 'cl1'"),
        ({"fixed_ip": "192.168.101.1"}, 422, "gateway"),
        ({"fixed_ip": "203.0.113.5"}, 422, "no network of cluster 'cl1'"),  # public: VIPs only
        ({"fixed_ip": "nope"}, 422, "not an IP address"),
    ]
    for extra, status, says in refused:
        answer = api.post("/api/v1/machines/S1/enrolment", json=body | extra)
        assert says in error(answer, status)
    assert ok(api.get("/api/v1/machines/S1/enrolment"))["cluster"] is None

    added = ok(
        api.post("/api/v1/machines/S1/enrolment", json=body | {"fixed_ip": "192.168.101.50"}), 201
    )
    # The refusals took no host number; the other networks give their first free address.
    assert added["hostname"] == "cl1-controller-1.example.com"
    by_network = {a["network"]["name"]: a["address"] for a in added["addresses"]}
    assert by_network["mgmt"] == "192.168.101.50"
    assert by_network["vmnet"] == "2001:db8:7::2"
    assert "already held" in error(
        api.post("/api/v1/machines/S2/enrolment", json=body | {"fixed_ip": "192.168.101.50"}), 409
    )
    second = ok(add(api, "S2"), 201)
    assert {a["network"]["name"]: a["address"] for a in second["addresses"]}[
        "mgmt"
    ] == "192.168.101.2"


def test_report_counter_reset(api: Api, session: Session) -> None:
    factories.machine(session, "S1", discovery_count=7)
    session.commit()
    assert ok(api.get("/api/v1/machines/S1"))["discovery_count"] == 7
    assert ok(api.post("/api/v1/machines/S1/report-counter/reset")) == {
        "serial": "S1",
        "discovery_count": 0,
    }
    assert ok(api.get("/api/v1/machines/S1"))["discovery_count"] == 0
    assert "no machine" in error(api.post("/api/v1/machines/NOPE/report-counter/reset"), 404)


def test_root_password(
    cluster: Api, client: FlaskClient, reader: Credentials, session: Session
) -> None:
    path = "/api/v1/machines/S1/root-password"
    assert "machine-add it first" in error(
        cluster.post("/api/v1/machines/S3/root-password", json={}), 409
    )
    assert client.post(path, json={}, headers=reader.bearer).status_code == 403

    made = ok(cluster.post(path, json={}), 201)
    password = made["root_password"]
    assert made["hostname"] == "cl1-controller-1.example.com" and len(password) >= 20
    assert made["applied"] == "set by the next install (machine-install-os)"  # it is live
    again = ok(cluster.post(path, json={}), 201)["root_password"]
    assert again != password
    # Shown once: nowhere in what the API shows of the machine, and encrypted at rest.
    for shown in ("/api/v1/machines/S1", "/api/v1/machines/S1/enrolment", "/api/v1/events"):
        assert again not in cluster.get(shown).get_data(as_text=True)
    session.rollback()
    stored = session.scalars(select(RootKeyPair.root_password)).all()
    assert stored and all(again not in (s or "") for s in stored)

    assert cluster.delete(path).status_code == 204
    assert "has no root password" in error(cluster.delete(path), 404)
    # machine-remove forgets it with the host name.
    ok(cluster.post(path, json={}), 201)
    assert cluster.delete("/api/v1/machines/S1/enrolment").status_code == 204
    session.rollback()
    assert (
        session.scalars(
            select(RootKeyPair.root_password).where(RootKeyPair.root_password.is_not(None))
        ).all()
        == []
    )


def test_machine_replace(cluster: Api) -> None:
    old = ok(cluster.get("/api/v1/machines/S1/enrolment"))
    ok(cluster.patch("/api/v1/machines/S1/settings", json={"cpu_model": "EPYC-Rome"}))
    password = ok(cluster.post("/api/v1/machines/S1/root-password", json={}), 201)["root_password"]
    assert password

    for new, status, says in (
        ("S1", 422, "same machine"),
        ("S2", 409, "machine-remove it first"),
        ("NOPE", 404, "no machine"),
    ):
        assert says in error(
            cluster.post("/api/v1/machines/S1/replacement", json={"new": new}), status
        )
    assert "in no cluster" in error(
        cluster.post("/api/v1/machines/S3/replacement", json={"new": "S4"}), 409
    )

    new = ok(cluster.post("/api/v1/machines/S1/replacement", json={"new": "S5"}))
    assert new["serial"] == "S5"
    for field in ("hostname", "cluster", "role", "location", "is_first_master", "addresses"):
        assert new[field] == old[field], field
    assert new["is_first_master"] is True
    assert ok(cluster.get("/api/v1/machines/S5/settings"))["settings"]["cpu_model"] == "EPYC-Rome"
    assert error(cluster.get("/api/v1/machines/S1"), 404)
    assert ok(cluster.get("/api/v1/machines/cl1-controller-1.example.com"))["serial"] == "S5"
    # The root password went with the host name.
    assert cluster.delete("/api/v1/machines/S5/root-password").status_code == 204


def test_machines_by_host_name(cluster: Api) -> None:
    found = ok(cluster.get("/api/v1/machines?hostname=cl1-controller-2.example.com"))
    assert [m["serial"] for m in found["items"]] == ["S2"]
    assert ok(cluster.get("/api/v1/machines?hostname=S2"))["items"] == []


def test_install_command(cluster: Api) -> None:
    assert "machine-add" in error(cluster.get("/api/v1/machines/S3/install-command"), 409)


PROFILES = r"""
profiles:
  - name: r740-compute
    role: compute
    cluster: cl1
    match: {product: "PowerEdge R740"}
    apply: {cpu_model: EPYC-Rome}
switches:
  table:
    sw-a: {dc: dc1, row: a, rack: '1', location: zone1, position: {port: 'swp(?P<u>\d+)'}}
"""


def test_machine_auto_add(cluster: Api, client: FlaskClient, session: Session) -> None:
    ok(cluster.post("/api/v1/profiles/import", json={"text": PROFILES, "source": "p.yaml"}))
    # S3 (an R650) matches no profile: refused, nothing changed.
    assert "no hardware profile matches" in error(cluster.post("/api/v1/machines/S3/auto-add"), 409)
    assert ok(cluster.get("/api/v1/machines/S3"))["hardware_profile"] is None
    assert "already cl1-controller-1" in error(cluster.post("/api/v1/machines/S1/auto-add"), 409)

    lldp = lldpctl_json([("eno1", "sw-a", "swp7"), ("eno2", "sw-a", "swp7")])
    files = machine_files(
        "R1",
        "4c4c4544-0000-1000-8000-000000300001",
        ("00:1b:21:30:01:01", "00:1b:21:30:01:02"),
        extra={"lldpctl.json": lldp},
    )
    sent = client.post(
        "/api/v1/discovery/reports",
        data=archive(files),
        headers={"Content-Type": "application/gzip"},
    )
    assert sent.status_code in (200, 201), sent.get_json()
    added = ok(cluster.post("/api/v1/machines/R1/auto-add"))
    assert added["hostname"] == "cl1-compute-1.example.com"
    assert added["location"]["name"] == "zone1"
    assert any(line.startswith("profile r740-compute applied") for line in added["done"])
    assert ok(cluster.get("/api/v1/machines/R1/settings"))["settings"]["cpu_model"] == "EPYC-Rome"


def test_install_command_shows_the_bundle_and_carries_the_root_password(
    api: Api, session: Session
) -> None:
    ok(api.post("/api/v1/swift-regions", json={"name": "region1"}), 201)
    ok(api.post("/api/v1/locations", json={"name": "zone1", "swift_region": "region1"}), 201)
    ok(api.post("/api/v1/clusters", json={"name": "cl1", "domain": "example.com"}), 201)
    network(api, "mgmt", "192.168.101.0", 24, "zone1")
    ok(attach(api, "mgmt", "cl1", "all", "eno1"))
    factories.machine(session, "S1")
    session.commit()
    ok(add(api, "S1"), 201)

    shown = ok(api.get("/api/v1/machines/S1/install-command"))
    assert shown["command"].startswith("sh /root/oci-install/oci-install --bundle")
    assert shown["settings"]["OCI_HOSTNAME"] == "cl1-controller-1.example.com"
    paths = {f["path"]: f["mode"] for f in shown["files"]}
    assert paths["target/etc/network/interfaces"] == "0644"
    assert "root-password" not in paths
    assert "PRIVATE KEY" not in api.get("/api/v1/machines/S1/install-command").get_data(
        as_text=True
    )

    password = ok(api.post("/api/v1/machines/S1/root-password", json={}), 201)["root_password"]
    again = api.get("/api/v1/machines/S1/install-command")
    assert {f["path"]: f["mode"] for f in again.get_json()["files"]}["root-password"] == "0600"
    assert password not in again.get_data(as_text=True)
    assert api.delete("/api/v1/machines/S1/root-password").status_code == 204
    after = {f["path"] for f in ok(api.get("/api/v1/machines/S1/install-command"))["files"]}
    assert "root-password" not in after


def test_machine_replace_refuses_a_machine_whose_bmc_sits_on_the_network(
    cluster: Api, session: Session
) -> None:
    from oci.models import IpAddress, Network

    s5 = session.scalars(select(Machine).where(Machine.serial == "S5")).one()
    mgmt = session.scalars(select(Network).where(Network.name == "mgmt")).one()
    session.add(
        IpAddress(network_id=mgmt.id, address="192.168.101.90", machine_id=s5.id, purpose="bmc")
    )
    session.commit()
    says = error(cluster.post("/api/v1/machines/S1/replacement", json={"new": "S5"}), 409)
    assert "already holds 192.168.101.90 (bmc) on network 'mgmt'" in says
    assert (
        ok(cluster.get("/api/v1/machines/S1/enrolment"))["hostname"]
        == "cl1-controller-1.example.com"
    )
