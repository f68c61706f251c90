"""The lifecycle a node reports (installing -> installed -> firstboot ->
puppet-*): only allowed transitions, only by the node itself or an admin."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Machine, MachineEvent
from tests.helpers.database import Credentials
from tests.helpers.reports import archive, machine_files

GZIP = {"Content-Type": "application/gzip"}
MACS = ("00:1b:21:50:00:01",)


def discovered(client: FlaskClient, serial: str = "LIFE1") -> None:
    # The report comes from 127.0.0.1: the machine's own (live system) address.
    files = machine_files(serial, macs=MACS)
    assert (
        client.post("/api/v1/discovery/reports", data=archive(files), headers=GZIP).status_code
        == 201
    )


def report(client: FlaskClient, status: str, **kw):
    return client.post("/api/v1/machines/LIFE1/status", json={"status": status}, **kw)


def test_a_node_walks_its_lifecycle(client: FlaskClient, session: Session) -> None:
    discovered(client)
    for status in ("installing", "installed", "firstboot", "puppet-running", "puppet-success",
                   "puppet-running", "puppet-failure", "live"):  # fmt: skip
        response = report(client, status)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == status
    session.rollback()
    events = session.scalars(
        select(MachineEvent.message).where(MachineEvent.kind == "status-changed")
    ).all()
    assert events[:2] == ["status live -> installing", "status installing -> installed"]
    assert len(events) == 8


def test_only_allowed_transitions(client: FlaskClient, session: Session) -> None:
    discovered(client)
    refused = report(client, "puppet-success")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == (
        "a machine in state 'live' cannot go to 'puppet-success' (allowed: installing, live)"
    )
    session.rollback()
    assert session.scalar(select(Machine.status)) == "live"
    unknown = report(client, "rebooting")
    assert (
        unknown.status_code == 422 and "status" in unknown.get_json()["error"]["details"]["fields"]
    )


def test_a_node_changes_only_its_own_state(
    client: FlaskClient, admin: Credentials, reader: Credentials
) -> None:
    discovered(client)
    neighbour = {"REMOTE_ADDR": "127.0.0.2"}  # trusted, but not this machine
    refused = report(client, "installing", environ_base=neighbour)
    assert refused.status_code == 403
    assert "127.0.0.2 is not an address of machine LIFE1" in refused.get_json()["error"]["message"]
    outside = {"REMOTE_ADDR": "198.51.100.9"}
    assert report(client, "installing", environ_base=outside).status_code == 401
    assert report(client, "installing", headers=reader.bearer).status_code == 403
    # An admin may move any machine, from anywhere.
    moved = report(client, "installing", headers=admin.bearer, environ_base=outside)
    assert moved.status_code == 200
