"""Who may re-pin a machine's SSH host keys through a discovery report.

machine-install-os connects to the live system with the keys its reports gave:
a read-only user must not swap them. Reports from a trusted network or an admin
may, and every change of keys is an event; each kept report says who sent it.
"""

from __future__ import annotations

import base64
import struct

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import DiscoveryReport, MachineEvent, SshHostKey
from tests.helpers.database import Credentials
from tests.helpers.reports import archive, machine_files

URL = "/api/v1/discovery/reports"
GZIP = {"Content-Type": "application/gzip"}
MAC = "00:1b:21:aa:00:03"
UNTRUSTED = {"REMOTE_ADDR": "198.51.100.7"}


def _key(seed: int) -> str:
    """A well-formed ssh-ed25519 public key line (the blob names its own type)."""
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + bytes([seed]) * 32
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} root@live"


def _report(seed: int) -> bytes:
    extra = {"ssh-host-keys.txt": _key(seed) + "\n"}
    return archive(machine_files("KEYS1", macs=(MAC,), extra=extra))


def _pinned(session: Session) -> list[str]:
    session.rollback()
    return list(session.scalars(select(SshHostKey.public_key)))


def _events(session: Session) -> list[tuple[str, dict[str, object]]]:
    session.rollback()
    rows = session.scalars(select(MachineEvent).order_by(MachineEvent.id))
    return [(e.kind, e.details) for e in rows]


def test_a_reader_may_not_re_pin_a_known_machines_host_keys(
    client: FlaskClient, session: Session, reader: Credentials
) -> None:
    assert client.post(URL, data=_report(1), headers=GZIP).status_code == 201
    reports = len(_reports(session))
    response = client.post(
        URL, data=_report(2), headers=GZIP | reader.bearer, environ_base=UNTRUSTED
    )
    assert response.status_code == 403, response.get_json()
    message = response.get_json()["error"]["message"]
    assert "SSH host keys" in message and "'reader'" in message and "198.51.100.7" in message
    assert _pinned(session) == [_key(1)]
    assert len(_reports(session)) == reports
    # The same keys from the same reader: the report is taken, and says who sent it.
    again = client.post(URL, data=_report(1), headers=GZIP | reader.bearer, environ_base=UNTRUSTED)
    assert again.status_code == 200, again.get_json()


def _reports(session: Session) -> list[tuple[str | None, str | None]]:
    session.rollback()
    rows = session.execute(
        select(DiscoveryReport.source, DiscoveryReport.sender).order_by(DiscoveryReport.id)
    )
    return [(source, sender) for source, sender in rows]


def test_trusted_networks_and_admins_may_and_the_change_is_recorded(
    client: FlaskClient, session: Session, admin: Credentials
) -> None:
    assert client.post(URL, data=_report(1), headers=GZIP).status_code == 201
    by_network = client.post(URL, data=_report(2), headers=GZIP)
    assert by_network.status_code == 200, by_network.get_json()
    (change,) = by_network.get_json()["changes"]
    assert change.startswith("SSH host keys changed: ssh-ed25519 SHA256:")
    by_admin = client.post(
        URL, data=_report(3), headers=GZIP | admin.bearer, environ_base=UNTRUSTED
    )
    assert by_admin.status_code == 200, by_admin.get_json()
    assert by_admin.get_json()["changes"][0].startswith("SSH host keys changed")
    assert _pinned(session) == [_key(3)]
    assert _events(session) == [
        ("discovered", {"source": "127.0.0.1"}),
        ("host-keys-changed", {"source": "127.0.0.1"}),
        ("host-keys-changed", {"source": "198.51.100.7", "sender": "admin"}),
    ]
    assert _reports(session) == [
        ("127.0.0.1", None),
        ("127.0.0.1", None),
        ("198.51.100.7", "admin"),
    ]
