"""oci::generic's oci_facts (OCI's /etc/facter/facts.d/oci_facts.yaml): the node's
storage controllers in OCI's shape, from the facts its agent reported."""

from __future__ import annotations

import base64
import json
from typing import Any

import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oci.models import Machine, StorageController
from tests.helpers import enc_clusters as ec
from tests.helpers.api import Api
from tests.helpers.database import Database
from tests.helpers.paths import TESTS

MEGARAID = (
    TESTS / "fixtures" / "oci-42.2.5" / "agent-report" / "report-megaraid.json"
).read_bytes()


def _oci_facts(api: Api, fqdn: str) -> Any:
    response = api.get(f"/api/v1/enc/{fqdn}")
    assert response.status_code == 200, response.get_data(as_text=True)
    document = yaml.safe_load(response.get_data(as_text=True))
    encoded = document["classes"]["oci::generic"]["oci_facts"]
    return yaml.safe_load(base64.b64decode(encoded))


def test_blkdev_ctrls_and_has_megaraid_come_from_the_nodes_controllers(
    app: Flask, api: Api, database: Database
) -> None:
    with database.sessions() as s:
        ec.cluster(s, app.extensions["oci_vault"], "cl1")
        megaraid, plain = ec.enrol(s, "cl1", "compute", 2)
        machine = s.scalars(select(Machine).where(Machine.hostname == megaraid)).one()
        s.add_all(
            [
                StorageController(
                    machine=machine,
                    name="0000:18:00.0",
                    kind="megaraid",
                    model="MegaRAID SAS-3 3108 [Invader]",
                    firmware_version="25.5.6.0009",
                ),
                StorageController(machine=machine, name="0000:00:17.0", kind="ahci"),
            ]
        )
        s.commit()
    facts = _oci_facts(api, megaraid)
    assert facts["role"] == "compute" and facts["cluster"] == "cl1"
    # Ordered by controller name (PCI address); "none" where the product is unknown, as OCI.
    assert facts["blkdev_ctrls"] == ["none", "MegaRAID SAS-3 3108 [Invader]"]
    assert facts["has_megaraid"] is True
    facts = _oci_facts(api, plain)
    assert (facts["blkdev_ctrls"], facts["has_megaraid"]) == ([], False)


def test_a_report_adding_controllers_to_an_enrolled_node_reaches_its_document(
    app: Flask, api: Api, client: FlaskClient, database: Database
) -> None:
    """The next document after the report says what the agent found."""
    with database.sessions() as s:
        ec.cluster(s, app.extensions["oci_vault"], "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        serial = ec.serial_of(s, fqdn)
        s.commit()
    report = json.loads(MEGARAID)
    report["machine"][0]["serial"] = serial
    del report["interfaces"]  # the enrolled machine's NICs stay as they are
    controllers = report.pop("blkdev_ctrl")
    post = {"path": "/oci/report.php", "headers": {"Content-Type": "application/json"}}
    assert client.post(data=json.dumps(report), **post).status_code == 200
    assert _oci_facts(api, fqdn)["has_megaraid"] is False
    # The same report with its controllers: nothing else of the machine changes.
    report["blkdev_ctrl"] = controllers
    assert client.post(data=json.dumps(report), **post).status_code == 200
    facts = _oci_facts(api, fqdn)
    assert facts["has_megaraid"] is True
    assert facts["blkdev_ctrls"] == [
        "MegaRAID SAS-3 3108 [Invader]",
        "C620 Series Chipset Family SATA Controller [AHCI mode]",
    ]
