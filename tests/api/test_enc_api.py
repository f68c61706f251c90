"""GET /api/v1/enc/<fqdn>: who may call it, what it answers, which secrets it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oci.enc import interface, release
from oci.enrolment import clusters
from oci.models import Cluster, Machine
from tests.helpers import enc_clusters as ec
from tests.helpers.api import Api
from tests.helpers.database import Credentials, Database


def app_vault(app: Flask):
    return app.extensions["oci_vault"]


def build_reference(app: Flask, database: Database) -> dict[str, Any]:
    with database.sessions() as s:
        return ec.reference(s, app_vault(app))


def enc(api: Api, fqdn: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/enc/{fqdn}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/yaml"
    assert response.headers["Cache-Control"] == "no-store"
    return yaml.safe_load(response.get_data(as_text=True))


def test_only_admins_get_documents(
    app: Flask, client: FlaskClient, api: Api, database: Database, reader: Credentials
) -> None:
    with database.sessions() as s:
        ec.cluster(s, app_vault(app), "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
    assert client.get(f"/api/v1/enc/{fqdn}").status_code == 401
    # Documents hold secrets: a read-only user is refused.
    assert client.get(f"/api/v1/enc/{fqdn}", headers=reader.bearer).status_code == 403
    assert "oci::compute" in enc(api, fqdn)["classes"]


def test_an_unknown_node_is_a_404(api: Api) -> None:
    response = api.get("/api/v1/enc/nobody.example.com")
    assert response.status_code == 404
    assert "nobody.example.com" in response.get_json()["error"]["message"]


def test_a_cluster_missing_a_secret_answers_409_naming_it(
    app: Flask, api: Api, database: Database
) -> None:
    with database.sessions() as s:
        ec.cluster(s, app_vault(app), "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        cluster = s.scalars(select(Cluster).where(Cluster.name == "cl1")).one()
        lost = next(row for row in cluster.secrets if row.name == "nova/messaging")
        s.delete(lost)
        s.commit()
    response = api.get(f"/api/v1/enc/{fqdn}")
    assert response.status_code == 409, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert "nova/messaging" in error["message"]
    assert error["details"] == {"missing_secrets": ["nova/messaging"]}


def test_every_node_of_the_reference_cluster_gets_a_document_the_module_accepts(
    app: Flask, api: Api, database: Database
) -> None:
    built = build_reference(app, database)
    with database.sessions() as s:
        clear = {
            c.name: clusters.reveal_secrets(c, app_vault(app)) for c in s.scalars(select(Cluster))
        }
    for cluster, roles in built.items():
        other = next(name for name in clear if name != cluster)
        foreign = [v for v in clear[other].values() if len(v) >= 16]
        for role, hosts in roles.items():
            for fqdn in hosts:
                text = api.get(f"/api/v1/enc/{fqdn}").get_data(as_text=True)
                classes = yaml.safe_load(text)["classes"]
                assert list(classes)[:2] == ["oci::generic", "oci::filebeat"], fqdn
                assert f"oci::{role}" in classes or "oci::cephosd" in classes, fqdn
                assert interface.load(ec.MODULE_PATH).check(classes) == [], fqdn
                leaked = [v for v in foreign if v in text]
                assert leaked == [], f"{fqdn} holds secrets of cluster {other}"
    # A compute never receives the control plane's database or admin passwords.
    cpu = enc(api, built["cl1"]["compute"][0])["classes"]["oci::compute"]
    assert {"pass_keystone_adminuser", "pass_mysql_rootuser", "pass_nova_db"}.isdisjoint(cpu)
    assert cpu["pass_nova_messaging"] == clear["cl1"]["nova/messaging"]


def test_adding_a_gpu_setting_changes_the_document_on_the_next_call(
    app: Flask, api: Api, database: Database
) -> None:
    with database.sessions() as s:
        ec.cluster(s, app_vault(app), "cl1")
        ec.enrol(s, "cl1", "controller", 1)
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        serial = ec.serial_of(s, fqdn)
        s.commit()
    assert enc(api, fqdn)["classes"]["oci::compute"]["use_gpu"] is False
    body = {"gpus": [ec.GPUS[0]]}
    assert api.patch(f"/api/v1/machines/{serial}/settings", json=body).status_code == 200
    params = enc(api, fqdn)["classes"]["oci::compute"]
    assert params["use_gpu"] is True
    assert params["gpu_name"] == ["t4"]
    assert params["vfio_ids"] == "10de:1eb8"


def test_a_served_document_is_never_stale(app: Flask, api: Api, database: Database) -> None:
    """Documents are kept between calls: every write that changes one is seen at once."""
    with database.sessions() as s:
        ec.cluster(s, app_vault(app), "cl1")
        (controller,) = ec.enrol(s, "cl1", "controller", 1)
        (first,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
    params = enc(api, controller)["classes"]["oci::controller"]
    assert params["compute_nodes"] == [first]
    assert enc(api, controller) == enc(api, controller)
    # Another compute: the controller's list and the first compute's keys follow.
    with database.sessions() as s:
        (second,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
    assert enc(api, controller)["classes"]["oci::controller"]["compute_nodes"] == [first, second]
    keys = enc(api, first)["classes"]["oci::generic"]["authorized_keys_hash"]
    assert sorted(keys) == [first, second]
    # A cluster option, through the API.
    response = api.patch("/api/v1/clusters/cl1", json={"region_name": "Paris"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert enc(api, first)["classes"]["oci::compute"]["region_name"] == "Paris"
    # A machine leaves: gone from every list.
    with database.sessions() as s:
        from oci.enrolment import machines

        machines.remove_machine(s, ec.serial_of(s, second))
        s.commit()
    assert enc(api, controller)["classes"]["oci::controller"]["compute_nodes"] == [first]


NASTY = "a: b # c - 'd' \"e\"\n!!python/object/apply:os.system ['true']\n- [x]"


def test_yaml_special_characters_come_out_as_plain_strings(
    app: Flask, api: Api, database: Database, tmp_path: Path
) -> None:
    with database.sessions() as s:
        ec.cluster(s, app_vault(app), "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        machine = s.scalar(select(Machine).where(Machine.hostname == fqdn))
        machine.compute_aggregate = NASTY
        machine.datacenter = "!!python/object:__main__.X"
        s.commit()
    text = api.get(f"/api/v1/enc/{fqdn}").get_data(as_text=True)
    doc = yaml.safe_load(text)  # safe: would raise on a Python tag
    assert doc["parameters"]["oci_compute_aggregate"] == NASTY
    assert doc["parameters"]["oci_datacenter"] == "!!python/object:__main__.X"
    # The full loader too reads them as strings: no tag survives unquoted.
    assert yaml.load(text, Loader=yaml.FullLoader) == doc


def test_a_release_the_installed_modules_cannot_deploy_is_refused(
    app: Flask, api: Api, database: Database
) -> None:
    with database.sessions() as s:
        ec.cluster(s, app_vault(app), "cl1")
        s.commit()
    installed = release.installed_releases(ec.MODULE_PATH)
    assert installed == ("zed",)  # Debian 12's openstack-puppet-modules
    response = api.patch("/api/v1/clusters/cl1", json={"openstack_release": "epoxy"})
    assert response.status_code == 422, response.get_data(as_text=True)
    message = response.get_json()["error"]["message"]
    assert "only zed works" in message
    ok = api.patch("/api/v1/clusters/cl1", json={"openstack_release": "zed"})
    assert ok.status_code == 200, ok.get_data(as_text=True)


def puppet_success(api: Api, key: str) -> None:
    for status in ("installing", "installed", "firstboot", "puppet-running", "puppet-success"):
        response = api.post(f"/api/v1/machines/{key}/status", json={"status": status})
        assert response.status_code == 200, response.get_data(as_text=True)


def test_the_document_of_the_last_successful_puppet_run_is_kept(
    app: Flask, api: Api, database: Database
) -> None:
    with database.sessions() as s:
        ec.cluster(s, app_vault(app), "cl1")
        ec.enrol(s, "cl1", "controller", 1)
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
    response = api.get(f"/api/v1/enc/{fqdn}/applied")
    assert response.status_code == 404
    assert "no successful Puppet run" in response.get_json()["error"]["message"]
    then = api.get(f"/api/v1/enc/{fqdn}").get_data(as_text=True)
    puppet_success(api, fqdn)
    applied = api.get(f"/api/v1/enc/{fqdn}/applied")
    assert applied.status_code == 200
    assert applied.get_data(as_text=True) == then
    # Stored encrypted: it holds the node's secrets.
    with database.sessions() as s:
        stored = s.scalar(select(Machine.enc_applied).where(Machine.hostname == fqdn))
    assert stored is not None and "pass_nova_messaging" not in stored
    # A change after the run: today's document differs, the applied one stays.
    assert api.patch("/api/v1/clusters/cl1", json={"region_name": "Paris"}).status_code == 200
    assert api.get(f"/api/v1/enc/{fqdn}/applied").get_data(as_text=True) == then
    assert "region_name: Paris" in api.get(f"/api/v1/enc/{fqdn}").get_data(as_text=True)
