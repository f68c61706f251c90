"""The OpenAPI document covers every route the app serves, as it serves it."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient


def _served(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
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
