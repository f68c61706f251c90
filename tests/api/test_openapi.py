"""The OpenAPI document covers every route the app serves, as it serves it."""

from __future__ import annotations

import json
import re

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from oci.api.endpoint import endpoint
from oci.bmc import ipmi as bmc_ipmi
from oci.bmc.ipmi import BmcAccess, BmcTimeout
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.enrolment import ok
from tests.helpers.server import LiveServer


def _served(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("web."):
            continue  # the dashboard's pages (/ui) are not the API
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            yield path, method.lower()


def test_every_served_route_is_documented(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    served = set(_served(app))
    assert served - documented == set()  # nothing served is undocumented
    assert documented - served == set()  # nothing documented is not served
    assert len(served) >= 20


def test_operations_describe_bodies_responses_and_security(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    create = doc["paths"]["/api/v1/networks"]["post"]
    body_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schemas[body_ref.rsplit("/", 1)[1]]
    assert set(body["required"]) >= {"name", "address", "prefix_length", "location"}
    assert body["additionalProperties"] is False
    assert "201" in create["responses"] and "422" in create["responses"]
    assert create["security"] == [{"basic": []}, {"token": []}]
    listing = doc["paths"]["/api/v1/machines"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"limit", "offset", "status", "cluster", "location"} <= params
    assert doc["paths"]["/api/v1/openapi.json"]["get"]["security"] == []
    # Every $ref resolves inside the document (a query enum once pointed at "#/$defs/...").
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref
    status = next(p for p in listing["parameters"] if p["name"] == "status")
    assert "#/components/schemas/MachineStatus" in json.dumps(status["schema"])
    assert "live" in schemas["MachineStatus"]["enum"]


def test_an_undocumented_route_is_caught(app: Flask, client: FlaskClient) -> None:
    @app.get("/api/v1/sneaky")
    def sneaky():
        return {"ok": True}

    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/sneaky" not in doc["paths"]
    assert ("/api/v1/sneaky", "get") in set(_served(app))
    # ... and, undeclared, it fails closed: it needs an admin.
    assert client.get("/api/v1/sneaky").status_code == 401


def _parameter(doc, path: str, name: str):
    return next(p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_the_document_bounds_what_the_server_bounds(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    largest = app.config["OCI_SETTINGS"].page_size_max
    limit = _parameter(doc, "/api/v1/machines", "limit")["schema"]
    assert limit["type"] == "integer" and limit["maximum"] == largest
    # A query string has no null: optional parameters are left out, not null.
    assert '"null"' not in json.dumps(
        [op.get("parameters", []) for ops in doc["paths"].values() for op in ops.values()]
    )
    ipxe = doc["paths"]["/boot/ipxe"]["get"]
    assert _parameter(doc, "/boot/ipxe", "platform")["schema"]["enum"] == ["pcbios", "efi", ""]
    assert "x86_64" in _parameter(doc, "/boot/ipxe", "buildarch")["schema"]["enum"]
    mac = re.compile(_parameter(doc, "/boot/ipxe", "mac")["schema"]["pattern"])
    assert mac.match("52-54-00-AB-cd-01") and mac.match("")
    assert not mac.match("52:54:00-ab-cd-01")
    # Trusted networks boot without credentials: the document says so.
    assert {} in ipxe["security"]
    upload = doc["paths"]["/api/v1/discovery/reports"]["post"]
    assert "415" in upload["responses"] and "414" in upload["responses"]
    assert "415" not in doc["paths"]["/api/v1/networks"]["post"]["responses"]


def test_documented_boot_values_are_accepted_and_others_refused(client: FlaskClient) -> None:
    ok = {"mac": "52-54-00-AB-CD-01", "buildarch": "arm64", "platform": "efi", "serial": ""}
    assert client.get("/boot/ipxe", query_string=ok).status_code == 200
    assert client.get("/boot/grub.cfg", query_string=ok | {"platform": ""}).status_code == 200
    uuid = "4C4C4544-0000-1000-8000-000000000042"
    assert client.get("/boot/ipxe", query_string={"uuid": uuid}).status_code == 200
    wrongs = (
        {"buildarch": "x86"},
        {"platform": "EFI"},
        {"mac": "5254.00ab.cd01"},
        {"uuid": "0" * 64},
    )
    for wrong in wrongs:
        response = client.get("/boot/ipxe", query_string=wrong)
        assert response.status_code == 400, wrong
        assert list(response.get_json()["error"]["details"]["fields"]) == list(wrong)


def test_a_limit_above_the_largest_page_is_a_400(app: Flask, client: FlaskClient, api) -> None:
    largest = app.config["OCI_SETTINGS"].page_size_max
    assert api.get("/api/v1/locations", query_string={"limit": largest}).status_code == 200
    response = api.get("/api/v1/locations", query_string={"limit": largest + 1})
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["fields"] == {"limit": f"at most {largest}"}


def test_a_too_long_url_is_a_json_414(client: FlaskClient) -> None:
    response = client.get("/api/v1/machines", query_string={"serial": "x" * 5000})
    assert response.status_code == 414
    assert response.get_json()["error"]["code"] == "uri_too_long"
    assert client.get("/api/v1/health", query_string={"x": "y" * 4000}).status_code == 400


def test_oci_serve_answers_a_too_long_url_in_json(live_server: LiveServer) -> None:
    # gunicorn's own limit would answer this one in HTML.
    response = requests.get(f"{live_server.url}/api/v1/machines?serial={'x' * 6000}", timeout=30)
    assert response.status_code == 414
    assert response.json()["error"]["code"] == "uri_too_long"


def test_every_list_refuses_a_limit_above_its_documented_maximum(client: FlaskClient, api) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    lists = [
        (path, param["schema"]["maximum"])
        for path, ops in doc["paths"].items()
        if "{" not in path and "get" in ops
        for param in ops["get"].get("parameters", [])
        if param["name"] == "limit"
    ]
    assert len(lists) >= 8
    for path, largest in lists:
        assert api.get(path, query_string={"limit": largest}).status_code == 200, path
        response = api.get(path, query_string={"limit": largest + 1})
        assert response.status_code == 400, path
        assert response.get_json()["error"]["details"]["fields"] == {"limit": f"at most {largest}"}


def test_routes_that_reach_a_bmc_or_a_live_system_document_502_and_504(
    client: FlaskClient, api: Api, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    def statuses(path: str, method: str = "post") -> set[str]:
        return set(paths[f"/api/v1/machines/{{key}}/{path}"][method]["responses"])

    for path in ("power", "bootdev", "reboot-on-live", "reboot-on-hdd"):
        assert {"502", "504"} <= statuses(path)
    assert {"502", "504"} <= statuses("power", "get")
    for path in ("ipmi/setup", "ipmi/apply", "raid/apply", "raid/reset", "install", "wipe"):
        assert "502" in statuses(path)
        assert "504" not in statuses(path)  # a BMC that does not answer is their 502
    assert "502" not in statuses("ipmi/command")  # ipmitool's failure is its exit status
    assert "502" not in paths["/api/v1/networks"]["post"]["responses"]
    with pytest.raises(ValueError, match="500"):
        endpoint("a server error is never declared", tag="t", errors=(500,))

    # What the route answers when the BMC stays silent is what the document lists.
    factories.machine(session, "S1")
    session.commit()
    ipmi = {"username": "admin", "password": "secret", "address": "192.0.2.9"}
    ok(api.client.put("/api/v1/machines/S1/ipmi", json=ipmi, headers=api.user.bearer))

    def silent(access: BmcAccess, action: str) -> str:
        raise BmcTimeout(f"the BMC at {access.where} did not answer")

    monkeypatch.setattr(bmc_ipmi, "power", silent)
    answer = api.post("/api/v1/machines/S1/power", json={"action": "on"})
    assert answer.status_code == 504
    assert str(answer.status_code) in statuses("power")
