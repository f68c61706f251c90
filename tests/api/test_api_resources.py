"""Swift regions, locations, networks, clusters and roles through the API.

Every refused request must leave the inventory exactly as it was.
"""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from oci.config import Settings
from oci.db import Base
from tests.helpers.api import Api
from tests.helpers.database import Credentials, Database
from tests.helpers.server import LiveServer


def _counts(database: Database) -> dict[str, int]:
    with database.sessions() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name not in ("users", "api_tokens")
        }


@pytest.fixture
def topology(api: Api) -> Api:
    assert api.post("/api/v1/swift-regions", json={"name": "region1"}).status_code == 201
    assert (
        api.post("/api/v1/locations", json={"name": "zone1", "swift_region": "region1"}).status_code
        == 201
    )
    response = api.post(
        "/api/v1/networks",
        json={
            "name": "mgmt",
            "address": "192.168.101.0",
            "prefix_length": 24,
            "location": "zone1",
            "is_public": False,
        },
    )
    assert response.status_code == 201, response.get_json()
    assert (
        api.post("/api/v1/clusters", json={"name": "cl1", "domain": "example.com"}).status_code
        == 201
    )
    return api


def test_created_objects_are_listed_and_shown(topology: Api) -> None:
    api = topology
    location = api.get("/api/v1/locations/zone1").get_json()
    assert location["swift_region"]["name"] == "region1"
    assert location["swift_region"]["url"] == "/api/v1/swift-regions/region1"
    network = api.get("/api/v1/networks/mgmt").get_json()
    assert network["cidr"] == "192.168.101.0/24"
    assert network["ip_version"] == 4
    assert network["location"]["name"] == "zone1"
    assert network["is_public"] is False
    cluster = api.get("/api/v1/clusters/cl1").get_json()
    assert (cluster["name"], cluster["domain"]) == ("cl1", "example.com")
    # Options show with their defaults; the VIP host name derives from the cluster.
    assert cluster["options"]["vip_hostname"] == "cl1-api.example.com"
    assert cluster["options"]["self_signed_api_cert"] is True
    page = api.get("/api/v1/clusters").get_json()
    assert [c["name"] for c in page["items"]] == ["cl1"]
    assert page["total"] == 1


def test_ipv6_networks(topology: Api) -> None:
    response = topology.post(
        "/api/v1/networks",
        json={"name": "v6", "address": "2001:DB8:1::", "prefix_length": 64, "location": "zone1"},
    )
    assert response.status_code == 201
    assert response.get_json()["cidr"] == "2001:db8:1::/64"
    assert response.get_json()["ip_version"] == 6


def test_list_filters_and_pages(topology: Api) -> None:
    api = topology
    for n in range(5):
        api.post("/api/v1/swift-regions", json={"name": f"r{n}"})
    page = api.get("/api/v1/swift-regions?limit=2&offset=1").get_json()
    assert [r["name"] for r in page["items"]] == ["r1", "r2"]  # r0..r4, region1
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 1)
    assert api.get("/api/v1/networks?location=zone1").get_json()["total"] == 1
    assert api.get("/api/v1/networks?location=elsewhere").get_json()["total"] == 0
    assert api.get("/api/v1/roles?limit=100").get_json()["total"] == 13


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("limit=0", "limit"),
        ("limit=100000", "at most"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
        ("colour=blue", "colour"),
    ],
)
def test_bad_list_queries_name_the_parameter(topology: Api, query, fragment) -> None:
    response = topology.get(f"/api/v1/clusters?{query}")
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]["message"]


BAD_CREATES = [
    # (route, body, status, words the message must hold)
    ("clusters", {"name": "cl1", "domain": "example.com"}, 409, "already exists"),
    ("clusters", {"name": "Bad_Name", "domain": "example.com"}, 422, "name"),
    ("clusters", {"name": "c2", "domain": "not a domain"}, 422, "domain"),
    ("clusters", {"name": "c2"}, 422, "domain"),
    ("clusters", {"name": "c2", "domain": "example.com", "colour": "red"}, 422, "colour"),
    ("clusters", {"name": 12, "domain": "example.com"}, 422, "name"),
    ("swift-regions", {"name": "region1"}, 409, "already exists"),
    ("swift-regions", {"name": "../etc"}, 422, "name"),
    ("locations", {"name": "zone2", "swift_region": "nowhere"}, 422, "nowhere"),
    ("locations", {"name": "zone1", "swift_region": "region1"}, 409, "already exists"),
    (
        "networks",
        {"name": "n2", "address": "10.0.0.7", "prefix_length": 24, "location": "zone1"},
        422,
        "did you mean 10.0.0.0",
    ),
    (
        "networks",
        {"name": "n2", "address": "10.0.0.0", "prefix_length": 33, "location": "zone1"},
        422,
        "prefix length",
    ),
    (
        "networks",
        {"name": "n2", "address": "10.0.0.0", "prefix_length": "24", "location": "zone1"},
        422,
        "prefix_length",
    ),
    (
        "networks",
        {"name": "n2", "address": "300.0.0.0", "prefix_length": 24, "location": "zone1"},
        422,
        "address",
    ),
    (
        "networks",
        {"name": "n2", "address": "192.168.0.0", "prefix_length": 16, "location": "zone1"},
        409,
        "overlaps network 'mgmt'",
    ),
    (
        "networks",
        {"name": "n2", "address": "10.0.0.0", "prefix_length": 24, "location": "nowhere"},
        422,
        "no location named 'nowhere'",
    ),
    (
        "networks",
        {
            "name": "n2",
            "address": "10.0.0.0",
            "prefix_length": 24,
            "location": "zone1",
            "is_public": "yes",
        },
        422,
        "is_public",
    ),
]


@pytest.mark.parametrize(("route", "body", "status", "words"), BAD_CREATES)
def test_bad_creates_are_refused_and_change_nothing(
    topology: Api, database: Database, route, body, status, words
) -> None:
    before = _counts(database)
    response = topology.post(f"/api/v1/{route}", json=body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert words in error["message"]
    assert set(error) == {"code", "message", "details"}
    assert _counts(database) == before


def test_malformed_and_oversized_bodies(
    client: FlaskClient, admin: Credentials, database: Database
) -> None:
    before = _counts(database)
    headers = admin.bearer | {"Content-Type": "application/json"}
    response = client.post("/api/v1/swift-regions", data="{not json", headers=headers)
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["error"]["message"]
    response = client.post(
        "/api/v1/swift-regions",
        data="name=x",
        headers=admin.bearer | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "must be JSON" in response.get_json()["error"]["message"]
    big = json.dumps({"name": "r", "pad": "x" * 100_000})
    response = client.post("/api/v1/swift-regions", data=big, headers=headers)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    response = client.post("/api/v1/swift-regions", data=b"\xff\xfe{", headers=headers)
    assert response.status_code == 400
    assert _counts(database) == before


def test_deleting_what_is_still_used_is_refused(topology: Api, database: Database) -> None:
    api = topology
    before = _counts(database)
    response = api.delete("/api/v1/swift-regions/region1")
    assert response.status_code == 409
    assert "zone1" in response.get_json()["error"]["message"]
    response = api.delete("/api/v1/locations/zone1")
    assert response.status_code == 409
    assert "mgmt" in response.get_json()["error"]["message"]
    assert _counts(database) == before


def test_deletes_in_order_empty_the_topology(topology: Api, database: Database) -> None:
    api = topology
    for path in ("clusters/cl1", "networks/mgmt", "locations/zone1", "swift-regions/region1"):
        assert api.delete(f"/api/v1/{path}").status_code == 204
        assert api.get(f"/api/v1/{path}").status_code == 404
    assert _counts(database) == {name: 0 for name in _counts(database)} | {"roles": 13}


def test_unknown_objects_and_routes(topology: Api) -> None:
    response = topology.get("/api/v1/clusters/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "no cluster named 'nope'"
    assert topology.delete("/api/v1/networks/nope").status_code == 404
    response = topology.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = topology.post("/api/v1/clusters/cl1", json={})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_names_with_url_special_characters_stay_names(topology: Api) -> None:
    # A name can hold '.', which must not be taken for a path step.
    assert topology.post("/api/v1/swift-regions", json={"name": "r.1"}).status_code == 201
    assert topology.get("/api/v1/swift-regions/r.1").get_json()["name"] == "r.1"
    assert topology.get("/api/v1/swift-regions/r%2F1").status_code == 404


def test_roles_are_the_builtin_catalogue(api: Api) -> None:
    names = {r["name"] for r in api.get("/api/v1/roles").get_json()["items"]}
    assert {"controller", "compute", "cephosd", "swiftstore", "swiftproxy"} <= names
    assert api.get("/api/v1/roles/controller").get_json()["description"]


def test_names_are_case_sensitive_on_every_backend(topology: Api) -> None:
    # MariaDB's default collation would call these equal; ours must not.
    assert topology.post("/api/v1/swift-regions", json={"name": "Region1"}).status_code == 201
    assert topology.get("/api/v1/swift-regions/REGION1").status_code == 404
    assert topology.get("/api/v1/swift-regions/Region1").get_json()["name"] == "Region1"
    assert topology.get("/api/v1/swift-regions/region1").get_json()["name"] == "region1"


def test_trailing_spaces_and_nul_never_reach_a_row(
    topology: Api, database: Database, admin: Credentials, client: FlaskClient
) -> None:
    before = _counts(database)
    # MariaDB's default collation would match 'cl1  ' to 'cl1' and delete it.
    assert topology.delete("/api/v1/clusters/cl1%20%20").status_code == 404
    assert topology.get("/api/v1/swift-regions/region1%20").status_code == 404
    for url in ("/api/v1/clusters/a%00b", "/api/v1/networks?location=a%00b"):
        response = topology.get(url)
        assert response.status_code == 400, url
        assert "NUL" in response.get_json()["error"]["message"]
    nul_login = {"Authorization": "Basic " + __import__("base64").b64encode(b"ad\0min:x").decode()}
    assert client.get("/api/v1/roles", headers=nul_login).status_code == 401
    assert _counts(database) == before


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("fe80::%eth0", "zone ID"),
        ("fe80::%" + "x" * 60, "address"),
        (167837696, "address"),  # an integer is not an address, however it converts
        ("10.1.0", "not an IPv4 or IPv6 address"),
    ],
)
def test_network_addresses_are_plain_strings(
    topology: Api, database: Database, address, words
) -> None:
    before = _counts(database)
    response = topology.post(
        "/api/v1/networks",
        json={"name": "odd", "address": address, "prefix_length": 64, "location": "zone1"},
    )
    assert response.status_code == 422, response.get_json()
    assert words in response.get_json()["error"]["message"]
    assert _counts(database) == before


def test_huge_offsets_are_a_clear_400(topology: Api) -> None:
    for offset in ("9223372036854775808", "99999999999999999999999"):
        response = topology.get(f"/api/v1/clusters?offset={offset}")
        assert response.status_code == 400
        assert "offset" in response.get_json()["error"]["message"]


def test_timestamps_keep_their_fractions(topology: Api) -> None:
    created = topology.post("/api/v1/swift-regions", json={"name": "r9"}).get_json()
    assert (
        topology.get("/api/v1/swift-regions/r9").get_json()["created_at"] == created["created_at"]
    )


def test_the_default_page_is_the_servers_page_size(settings: Settings, admin: Credentials) -> None:
    from oci.api.app import create_app

    app = create_app(settings.model_copy(update={"page_size_max": 5}))
    client = app.test_client()
    page = client.get("/api/v1/roles", headers=admin.bearer).get_json()
    assert (len(page["items"]), page["total"], page["limit"]) == (5, 13, 5)
    assert client.get("/api/v1/roles?limit=6", headers=admin.bearer).status_code == 400
    app.extensions["oci_engine"].dispose()


def test_a_chunked_body_over_the_limit_is_413(
    live_server: LiveServer, admin: Credentials, database: Database
) -> None:
    # Without Content-Length the server reads up to the limit: what reaches it
    # is too large, not "invalid JSON". Only a real server (gunicorn) streams.
    import http.client
    from urllib.parse import urlsplit

    before = _counts(database)
    body = json.dumps({"name": "r", "pad": "x" * 2_500_000}).encode()
    where = urlsplit(live_server.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    conn.request(
        "POST",
        "/api/v1/swift-regions",
        body=chunks,
        encode_chunked=True,
        headers=admin.bearer | {"Content-Type": "application/json"},
    )
    response = conn.getresponse()
    assert response.status == 413, response.read()
    assert json.loads(response.read())["error"]["code"] == "payload_too_large"
    conn.close()
    assert _counts(database) == before
