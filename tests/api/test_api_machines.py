"""Listing and showing machines, with filters and hardware summaries."""

from __future__ import annotations

from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from oci.models import Cluster, DiscoveryReport, Machine, MachineStatus
from tests.helpers import factories
from tests.helpers.api import Api


def test_machine_list_summarises_hardware(api: Api, session: Session) -> None:
    factories.machine(session, "SER1", system_uuid="4c4c4544-0042-3510-8051-b7c04f4e3232")
    session.commit()
    page = api.get("/api/v1/machines").get_json()
    assert page["total"] == 1
    row = page["items"][0]
    assert row["serial"] == "SER1"
    assert row["disks"] == "2x480G ssd, 1x3.8T nvme"
    assert row["nics"] == "1x25G"  # the BMC's virtual NIC is not counted
    assert row["gpus"] == "1x TU104GL [Tesla T4] (10de:1eb8)"
    assert row["switch"] == "dc1-r2-rack5-sw1:swp12"
    assert row["ram"] == "512GiB"
    assert row["status"] == "live"
    assert row["last_seen"] == "2026-11-01T00:00:00Z"


def test_machine_show_by_serial_hostname_or_uuid(api: Api, session: Session) -> None:
    uuid = "4c4c4544-0042-3510-8051-b7c04f4e3232"
    factories.machine(session, "SER2", system_uuid=uuid, hostname="cl1-compute-1.example.com")
    session.commit()
    for key in ("SER2", "cl1-compute-1.example.com", uuid):
        shown = api.get(f"/api/v1/machines/{key}").get_json()
        assert shown["serial"] == "SER2", key
    assert [d["name"] for d in shown["disk_list"]] == ["nvme0n1", "sda", "sdb"]
    nics = {n["name"]: n for n in shown["nic_list"]}
    assert nics["eno1"]["is_physical"] is True
    assert nics["idrac"]["is_physical"] is False
    assert nics["eno1"]["mac"].islower()
    assert shown["pci_devices"][0]["vendor_id"] == "10de"
    assert shown["lldp_neighbours"][0]["port_id"] == "swp12"
    response = api.get("/api/v1/machines/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.get_json()["error"]["message"]


def test_machine_filters(api: Api, session: Session) -> None:
    cluster = Cluster(name="cl1", domain="example.com", options={})
    factories.machine(session, "A", product_name="PowerEdge R650")
    factories.machine(session, "B", product_name="ThinkSystem SR645", manufacturer="Lenovo")
    factories.machine(session, "C", status=MachineStatus.INSTALLED, cluster=cluster)
    session.commit()

    def serials(query: str) -> list[str]:
        response = api.get(f"/api/v1/machines?{query}")
        assert response.status_code == 200, response.get_json()
        return [m["serial"] for m in response.get_json()["items"]]

    assert serials("") == ["A", "B", "C"]
    assert serials("product=ThinkSystem%20SR645") == ["B"]
    assert serials("manufacturer=Lenovo") == ["B"]
    assert serials("status=installed") == ["C"]
    assert serials("cluster=cl1") == ["C"]
    assert serials("cluster=other") == []
    assert serials("limit=1&offset=1") == ["B"]
    response = api.get("/api/v1/machines?status=broken")
    assert response.status_code == 400
    assert "status" in response.get_json()["error"]["message"]
    assert "live" in response.get_json()["error"]["message"]  # the valid values are listed


# Keys whose characters str.isdigit() accepts but that are no machine number:
# superscript two, circled three (int() refuses both) and Arabic-Indic one.
UNICODE_DIGIT_KEYS = ("\u00b2", "\u2462", "\u0661")
READ_ROUTES = (
    "/api/v1/machines/{}",
    "/api/v1/machines/{}/ipmi",
    "/api/v1/machines/{}/racking",
    "/api/v1/machines/{}/guessed-profile",
    "/api/v1/machines/{}/certificate",
    "/api/v1/machines/{}/reports",
    "/api/v1/machines/{}/install-log",
    "/api/v1/events?machine={}",
)


def _arabic_indic(number: int) -> str:
    return "".join(chr(0x660 + int(d)) for d in str(number))


def test_a_key_of_unicode_digits_is_no_machine_number(
    api: Api, client: FlaskClient, session: Session
) -> None:
    machine = factories.machine(session, "SER7")
    session.commit()
    assert api.get(f"/api/v1/machines/{machine.id}").get_json()["serial"] == "SER7"
    for key in (*UNICODE_DIGIT_KEYS, _arabic_indic(machine.id)):
        for route in READ_ROUTES:
            response = api.get(route.format(quote(key)))
            assert response.status_code == 404, (route, key, response.status_code)
            assert "no machine with serial" in response.get_json()["error"]["message"]
        writes = [
            api.post(f"/api/v1/machines/{quote(key)}/racking"),
            api.delete(f"/api/v1/machines/{quote(key)}"),
            # A node on a trusted network, without credentials (the installer's call).
            client.post(f"/api/v1/machines/{quote(key)}/status", json={"status": "installing"}),
        ]
        assert [r.status_code for r in writes] == [404, 404, 404], (key, writes)
    session.rollback()
    assert session.get(Machine, machine.id) is not None


def test_a_report_number_of_unicode_digits_is_no_report(api: Api, session: Session) -> None:
    machine = factories.machine(session, "SER8")
    session.flush()
    report = DiscoveryReport(
        machine=machine, archive=b"\x1f\x8b kept", size_bytes=7, sha256="0" * 64
    )
    session.add(report)
    session.commit()
    path = "/api/v1/machines/SER8/reports/{}"
    assert api.get(path.format(report.id)).data == b"\x1f\x8b kept"
    assert api.get(path.format(quote(_arabic_indic(report.id)))).status_code == 404
