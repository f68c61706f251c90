"""Authentication: no route that changes state is open, credentials only in headers."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oci.api.endpoint import Access, spec_of
from oci.config import Settings
from tests.helpers.database import Credentials, Database

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(app: Flask):
    """(method, concrete URL, access) for every route and method the app serves."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("web."):
            continue  # the dashboard logs in by cookie: tests/api/test_web.py sweeps its routes
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        url = re.sub(r"<[^>]+>", "nonexistent", url)
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            spec = spec_of(view, method)
            yield method, url, spec.access if spec else None


def test_every_write_route_needs_credentials(app: Flask, client: FlaskClient) -> None:
    writes = [(m, u) for m, u, _ in _routes(app) if m in WRITE_METHODS]
    assert len(writes) >= 8  # create and delete of four resources at least
    # From outside the trusted networks, where even discovery needs credentials.
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    for method, url in writes:
        response = client.open(url, method=method, json={}, environ_base=outside)
        assert response.status_code == 401, (method, url, response.get_json())
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert "Basic" in response.headers["WWW-Authenticate"]


# The only writes a trusted network may make without credentials: a booting
# server has none, and reports its own hardware.
TRUSTED_WRITES = {
    ("POST", "/api/v1/discovery/reports"),
    # The same report in OCI's agent format, where OCI's live image posts it.
    ("POST", "/oci/report.php"),
    # A node's own lifecycle (installer, first boot, Puppet); only its own.
    ("POST", "/api/v1/machines/nonexistent/status"),
}


def test_no_write_route_is_declared_public_or_trusted(app: Flask) -> None:
    for method, url, access in _routes(app):
        if method in WRITE_METHODS and (method, url) not in TRUSTED_WRITES:
            assert access in (Access.WRITE, Access.SECRET), (method, url, access)
        if (method, url) in TRUSTED_WRITES:
            assert access is Access.TRUSTED


def test_reads_need_credentials_except_the_api_description(app: Flask, client: FlaskClient) -> None:
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    open_routes = set()
    for method, url, _ in _routes(app):
        if method == "GET" and client.get(url, environ_base=outside).status_code != 401:
            open_routes.add(url)
    assert open_routes == {"/api/v1/", "/api/v1/health", "/api/v1/openapi.json"}


# What a trusted network may read without credentials: what firmware fetches while booting.
TRUSTED_READS = {"/boot/ipxe", "/boot/grub.cfg", "/boot/files/nonexistent"}


def test_only_boot_routes_are_open_to_trusted_networks(app: Flask, client: FlaskClient) -> None:
    trusted = {method_url[1] for method_url in _routes(app) if method_url[2] is Access.TRUSTED}
    assert trusted == TRUSTED_READS | {url for _, url in TRUSTED_WRITES}
    for url in TRUSTED_READS:
        assert client.get(url).status_code != 401, url  # from 127.0.0.1


@pytest.mark.parametrize("how", ["basic", "bearer"])
def test_valid_credentials_are_accepted(client: FlaskClient, admin: Credentials, how) -> None:
    headers = getattr(admin, how)
    assert client.get("/api/v1/clusters", headers=headers).status_code == 200
    created = client.post("/api/v1/swift-regions", json={"name": "r1"}, headers=headers)
    assert created.status_code == 201


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Basic " + "YWRtaW46d3Jvbmc=", "wrong login or password"),  # admin:wrong
        ("Basic " + "bm9ib2R5OnNlY3JldHMh", "wrong login or password"),  # nobody:secrets!
        ("Basic !!!", "malformed"),
        ("Bearer oci_not-a-token", "unknown or revoked API token"),
        ("Digest abc", "unsupported Authorization scheme"),
    ],
)
def test_wrong_credentials_get_a_clear_401(
    client: FlaskClient, admin: Credentials, header, message
) -> None:
    response = client.post(
        "/api/v1/swift-regions", json={"name": "r1"}, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert message in response.get_json()["error"]["message"]
    assert client.get("/api/v1/swift-regions", headers=admin.bearer).get_json()["total"] == 0


def test_a_read_only_user_reads_but_cannot_write(client: FlaskClient, reader: Credentials) -> None:
    assert client.get("/api/v1/roles", headers=reader.bearer).status_code == 200
    response = client.post(
        "/api/v1/clusters", json={"name": "c", "domain": "example.com"}, headers=reader.basic
    )
    assert response.status_code == 403
    assert "admin" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("param", ["password", "token", "api_key", "access_token"])
def test_credentials_in_the_query_string_are_refused(
    client: FlaskClient, admin: Credentials, param
) -> None:
    response = client.get(f"/api/v1/clusters?{param}={admin.token}")
    assert response.status_code == 400
    assert "never accepted in the URL" in response.get_json()["error"]["message"]
    # Even with a valid header, a credential in the URL is refused.
    response = client.get(f"/api/v1/clusters?{param}=x", headers=admin.bearer)
    assert response.status_code == 400


def test_a_deleted_user_token_stops_working(
    client: FlaskClient, database: Database, admin: Credentials
) -> None:
    from oci.security import users

    assert client.get("/api/v1/roles", headers=admin.bearer).status_code == 200
    with database.sessions() as s, s.begin():
        users.delete_user(s, "admin")
    assert client.get("/api/v1/roles", headers=admin.bearer).status_code == 401


def test_trusted_source_networks_are_a_setting(app: Flask, settings: Settings) -> None:
    from oci.api.app import create_app
    from oci.api.auth import source_is_trusted

    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert source_is_trusted()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.10"}):
        assert not source_is_trusted()
    other = create_app(settings.model_copy(update={"trusted_networks": ["192.0.2.0/24"]}))
    with other.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.10"}):
        assert source_is_trusted()
    with other.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert not source_is_trusted()
    other.extensions["oci_engine"].dispose()
