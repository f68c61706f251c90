"""One machine per physical server: identity by serial, UUID and physical MACs,
never by placeholders or BMC USB NICs; conflicts flagged, never merged."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Machine, MachineEvent, Nic
from tests.helpers.api import Api
from tests.helpers.reports import archive, ip_link, machine_files

URL = "/api/v1/discovery/reports"
GZIP = {"Content-Type": "application/gzip"}
ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def post(client: FlaskClient, files):
    return client.post(URL, data=archive(files), headers=GZIP)


def machines(session: Session) -> list[Machine]:
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    return list(session.scalars(select(Machine).order_by(Machine.id)))


def events(session: Session, kind: str) -> list[MachineEvent]:
    return list(session.scalars(select(MachineEvent).where(MachineEvent.kind == kind)))


def test_placeholder_serials_and_uuids_never_merge_servers(
    client: FlaskClient, session: Session
) -> None:
    for mac in ("00:1b:21:00:00:01", "00:1b:21:00:00:02"):
        files = machine_files("To Be Filled By O.E.M.", ZERO_UUID, (mac,))
        assert post(client, files).status_code == 201
    found = machines(session)
    assert len(found) == 2
    assert [m.serial for m in found] == [None, None]
    assert [m.system_uuid for m in found] == [None, None]
    # The same board again, through its MAC: still two machines.
    again = machine_files("To Be Filled By O.E.M.", ZERO_UUID, ("00:1b:21:00:00:02",))
    response = post(client, again)
    assert response.status_code == 200
    assert response.get_json()["machine"]["id"] == found[1].id
    assert len(machines(session)) == 2


def test_bmc_usb_nics_do_not_identify(client: FlaskClient, session: Session) -> None:
    """Every server of a model has the same BMC USB NIC MAC (here on the USB bus,
    and a locally administered one on PCI): servers with different serials stay
    apart, and a server without a serial is not matched through them."""
    shared_usb = ip_link([("enx", "b0:26:28:00:00:01")], bus="usb")
    for serial in ("SRV-A", "SRV-B"):
        files = machine_files(serial, ZERO_UUID, extra={"ip-link.json": shared_usb})
        assert post(client, files).status_code == 201
    found = machines(session)
    assert [m.serial for m in found] == ["SRV-A", "SRV-B"]
    nics = session.scalars(select(Nic).where(Nic.mac == "b0:26:28:00:00:01")).all()
    assert len(nics) == 2 and all(nic.identity_mac is None for nic in nics)
    # No serial, no UUID, only a locally administered MAC: nothing identifies it.
    local = ip_link([("eth0", "02:00:00:00:00:01")])
    files = machine_files("", ZERO_UUID, extra={"ip-link.json": local})
    response = post(client, files)
    assert response.status_code == 422
    assert "identifies no machine" in response.get_json()["error"]["message"]


def test_a_report_naming_two_machines_is_a_flagged_conflict(
    client: FlaskClient, api: Api, session: Session
) -> None:
    assert post(client, machine_files("S1", macs=("00:1b:21:00:00:0a",))).status_code == 201
    second = machine_files("S2", "4c4c4544-0000-1000-8000-0000000000b2", ("00:1b:21:00:00:0b",))
    assert post(client, second).status_code == 201
    # Serial S1 but S2's NIC: a moved card or a cloned MAC; a person must look.
    clash = machine_files("S1", macs=("00:1b:21:00:00:0b",))
    response = post(client, clash)
    assert response.status_code == 409
    message = response.get_json()["error"]["message"]
    assert "serial S2" in message and "serial S1" in message
    one, two = machines(session)
    assert one.identity_conflict and two.identity_conflict
    assert {e.machine_id for e in events(session, "identity-conflict")} == {one.id, two.id}
    # Nothing merged, nothing moved.
    assert [n.mac for n in one.nics if n.identity_mac] == ["00:1b:21:00:00:0a"]
    assert [n.mac for n in two.nics if n.identity_mac] == ["00:1b:21:00:00:0b"]
    assert one.discovery_count == 1 and two.discovery_count == 1
    listed = api.get("/api/v1/machines?conflict=true")
    assert sorted(m["serial"] for m in listed.get_json()["items"]) == ["S1", "S2"]


def test_serial_and_uuid_of_different_machines_conflict(
    client: FlaskClient, session: Session
) -> None:
    a_uuid, b_uuid = (f"4c4c4544-0000-1000-8000-00000000000{i}" for i in (1, 2))
    assert post(client, machine_files("CZ1A", a_uuid, ("00:1b:21:00:01:01",))).status_code == 201
    assert post(client, machine_files("CZ1B", b_uuid, ("00:1b:21:00:01:02",))).status_code == 201
    response = post(client, machine_files("CZ1A", b_uuid, ("00:1b:21:00:01:01",)))
    assert response.status_code == 409
    assert f"UUID {b_uuid}" in response.get_json()["error"]["message"]
    assert [m.system_uuid for m in machines(session)] == [a_uuid, b_uuid]


def test_a_machine_first_known_by_mac_gains_its_serial(
    client: FlaskClient, session: Session
) -> None:
    mac = "00:1b:21:00:02:01"
    partial = {"ip-link.json": ip_link([("eno1", mac)]), "meminfo.txt": "MemTotal: 1024 kB\n"}
    first = post(client, partial)
    assert first.status_code == 201
    full = post(client, machine_files("LATE1", macs=(mac,)))
    assert full.status_code == 200
    assert full.get_json()["machine"]["id"] == first.get_json()["machine"]["id"]
    (machine,) = machines(session)
    assert machine.serial == "LATE1" and machine.product_name == "PowerEdge R740"


def test_reports_through_two_nics_are_one_machine(client: FlaskClient, session: Session) -> None:
    """The same server PXE-booted from either NIC: different boot interface and
    addresses, same hardware."""
    macs = ("00:1b:21:00:03:01", "00:1b:21:00:03:02")
    for boot in macs:
        addr = json.dumps([{"ifname": "eno1", "addr_info": [{"local": "10.0.0.5"}]}])
        files = machine_files("TWO-NICS", macs=macs, extra={"ip-addr.json": addr})
        files["agent.txt"] = f"version=1\nboot_mac={boot}\n"
        assert post(client, files).status_code in (200, 201)
    (machine,) = machines(session)
    assert machine.discovery_count == 2
