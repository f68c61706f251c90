"""Hands-free enrolment: staged on the discovery counter, idempotent, evented, and
never past a profile's maximum counts, even with reports racing through two
server processes (every backend)."""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from oci.api.app import create_app
from oci.config import Settings
from oci.models import Location, Machine, MachineEvent, RoleCounter
from oci.security.pki import Pki
from tests.helpers.api import Api
from tests.helpers.database import Credentials, Database
from tests.helpers.reports import TWO_SSDS, archive, lldpctl_json, machine_files
from tests.helpers.server import LiveServer, serve

GZIP = {"Content-Type": "application/gzip"}

PROFILES = r"""
profiles:
  - name: r740-compute
    role: compute
    priority: 10
    cluster: cl1
    max_count: {cluster: %(cluster)d, location: %(location)d}
    match: {product: "PowerEdge R740", ram: {min: 64GiB}}
    apply: {serial_console: ttyS1, cpu_model: EPYC-Rome}
switches:
  table:
    sw-a: {dc: dc1, row: a, rack: '1', location: zone-a, position: {port: 'swp(?P<u>\d+)'}}
    sw-b: {dc: dc1, row: b, rack: '2', location: zone-b, aggregate: agg-b}
"""


# The auto fixture: post(path, body) as the admin, send(report) as a machine.
Post = Callable[[str, dict[str, Any]], TestResponse]
Send = Callable[[bytes], dict[str, Any]]


def ok(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def report(serial: str, n: int, switch: str = "sw-a", port: str = "swp7") -> bytes:
    """The real R740's report with two NICs cabled to ``switch``."""
    macs = (f"00:1b:21:30:{n:02x}:01", f"00:1b:21:30:{n:02x}:02")
    uuid = f"4c4c4544-0000-1000-8000-0000003000{n:02x}"
    lldp = lldpctl_json([("eno1", switch, port), ("eno2", switch, port)])
    return archive(machine_files(serial, uuid, macs, extra={"lldpctl.json": lldp}))


def setup(post: Post, cluster_max: int, location_max: int) -> None:
    ok(post("/api/v1/swift-regions", {"name": "region1"}), 201)
    for zone in ("zone-a", "zone-b"):
        ok(post("/api/v1/locations", {"name": zone, "swift_region": "region1"}), 201)
    ok(post("/api/v1/clusters", {"name": "cl1", "domain": "example.com"}), 201)
    text = PROFILES % {"cluster": cluster_max, "location": location_max}
    ok(post("/api/v1/profiles/import", {"text": text, "source": "auto.yaml"}))


@pytest.fixture
def auto(settings: Settings, admin: Credentials) -> Iterator[tuple[Post, Send]]:
    """An app applying profiles after 2 reports and enrolling after 3."""
    app = create_app(settings.model_copy(update={"auto_apply_after": 2, "auto_add_after": 3}))
    client = app.test_client()

    def post(path: str, body: dict[str, Any]) -> TestResponse:
        return client.post(path, json=body, headers=admin.bearer)

    def send(body: bytes) -> dict[str, Any]:
        response = client.post("/api/v1/discovery/reports", data=body, headers=GZIP)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    yield post, send
    app.extensions["oci_engine"].dispose()


def _events(session: Session, serial: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(MachineEvent.kind, MachineEvent.message)
        .join(Machine)
        .where(Machine.serial == serial, MachineEvent.kind != "discovered")
        .order_by(MachineEvent.id)
    )
    return [(kind, message) for kind, message in rows]


def test_staged_steps_each_once(
    auto: tuple[Post, Send], session: Session, settings: Settings
) -> None:
    post, send = auto
    setup(post, cluster_max=2, location_max=2)
    body = report("AUTO1", 1)
    assert send(body)["enrolment"] == []  # 1 report: below both thresholds
    assert send(body)["enrolment"] == [
        "profile r740-compute applied (role compute): serial_console=ttyS1, cpu_model=EPYC-Rome",
        "racked at dc1/a/1 U7",
    ]
    added, certified = send(body)["enrolment"]
    assert added == "added to cluster cl1 as cl1-compute-1.example.com in zone-a"
    # As machine-add does, the node gets its certificate (for its install bundle).
    assert certified.startswith("node certificate issued for cl1-compute-1.example.com (until ")
    issued = Pki(settings.pki_dir).node_certificate("cl1-compute-1.example.com")
    assert issued is not None and issued.dns_names == ("cl1-compute-1.example.com",)
    assert send(body)["enrolment"] == []  # done: nothing repeats
    machine = session.scalar(select(Machine).where(Machine.serial == "AUTO1"))
    assert machine.settings == {"serial_console": "ttyS1", "cpu_model": "EPYC-Rome"}
    assert (machine.datacenter, machine.row, machine.rack, machine.u_position) == (
        "dc1",
        "a",
        "1",
        7,
    )
    assert machine.hardware_profile == "r740-compute"
    assert session.get(Location, machine.location_id).name == "zone-a"
    assert _events(session, "AUTO1") == [
        (
            "profile-applied",
            "profile r740-compute applied (role compute): "
            "serial_console=ttyS1, cpu_model=EPYC-Rome",
        ),
        ("racked", "racked at dc1/a/1 U7"),
        ("auto-added", "added to cluster cl1 as cl1-compute-1.example.com in zone-a"),
    ]


def test_limits_and_flags_are_said_once(auto: tuple[Post, Send], session: Session) -> None:
    post, send = auto
    setup(post, cluster_max=3, location_max=1)
    for n, serial in enumerate(("A1", "A2"), start=1):
        for _ in range(3):
            send(report(serial, n))
    for _ in range(5):
        send(report("LOST", 3, switch="unknown-sw"))
    assert _events(session, "A2")[-1] == (
        "auto-enrolment",
        "not added: location zone-a has its 1 machine(s) of profile r740-compute in cluster cl1",
    )
    assert len(_events(session, "A2")) == 3  # applied, racked, refused: once each
    lost = _events(session, "LOST")
    assert lost[0][0] == "profile-applied"
    assert lost[1:] == [
        (
            "auto-enrolment",
            "not racked: unknown switch unknown-sw on eno1; unknown switch unknown-sw on eno2",
        ),
        (
            "auto-enrolment",
            "not added: no location (unknown switch unknown-sw on eno1; "
            "unknown switch unknown-sw on eno2)",
        ),
    ]
    enrolled = session.scalars(select(Machine.serial).where(Machine.cluster_id.is_not(None)))
    assert list(enrolled) == ["A1"]


def test_off_by_default(api: Api, client: FlaskClient, session: Session) -> None:
    setup(lambda path, body: api.post(path, json=body), 1, 1)
    for _ in range(4):
        response = client.post("/api/v1/discovery/reports", data=report("M1", 1), headers=GZIP)
        assert response.get_json()["enrolment"] == []
    machine = session.scalar(select(Machine).where(Machine.serial == "M1"))
    assert (machine.hardware_profile, machine.cluster_id, machine.settings) == (None, None, {})


@pytest.fixture(scope="session")
def auto_server_process(
    migrated: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp(f"auto-server-{migrated.backend}")
    env = {"OCI_AUTO_APPLY_AFTER": "1", "OCI_AUTO_ADD_AFTER": "1"}
    with serve(migrated, workdir, env) as server:
        yield server


@pytest.mark.slow
def test_concurrent_reports_never_exceed_the_maximum_counts(
    auto_server_process: LiveServer, api: Api, database: Database
) -> None:
    """12 new machines, 6 cabled to a switch in zone-a and 6 in zone-b, each
    reporting twice at the same instant through two server processes, enrolled
    on their first report: at most 5 in the cluster and 3 per zone."""
    setup(lambda path, body: api.post(path, json=body), cluster_max=5, location_max=3)
    bodies = []
    for n in range(12):
        switch = "sw-a" if n % 2 else "sw-b"
        bodies += [report(f"RACE-{n}", n, switch)] * 2
    start = threading.Barrier(len(bodies))
    url = auto_server_process.url + "/api/v1/discovery/reports"

    def send(body: bytes) -> int:
        start.wait()
        return requests.post(url, data=body, headers=GZIP, timeout=120).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        statuses = list(pool.map(send, bodies))
    assert sorted(set(statuses)) == [200, 201], statuses
    with database.sessions() as session:
        enrolled = session.execute(
            select(Machine.serial, Machine.hostname, Location.name)
            .join(Location, Machine.location_id == Location.id)
            .where(Machine.cluster_id.is_not(None))
        ).all()
        assert len(enrolled) == 5
        per_zone = Counter(zone for _, _, zone in enrolled)
        assert max(per_zone.values()) <= 3 and sum(per_zone.values()) == 5
        hostnames = sorted(host for _, host, _ in enrolled)
        assert hostnames == [f"cl1-compute-{n}.example.com" for n in range(1, 6)]
        added = select(func.count()).where(MachineEvent.kind == "auto-added")
        assert session.scalar(added) == 5
        applied = select(func.count()).where(MachineEvent.kind == "profile-applied")
        assert session.scalar(applied) == 12  # once per machine, though each reported twice
        assert session.scalar(select(RoleCounter.next_number)) == 6
    # Each added node got its certificate, and all chain to the one CA the
    # two server processes made between them (openssl says so).
    pki = Pki(auto_server_process.log.parent / "pki")
    for host in hostnames:
        certificate, _key = pki.node_paths(host)
        verify = subprocess.run(
            ["openssl", "verify", "-CAfile", str(pki.chain_path), str(certificate)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert verify.returncode == 0 and verify.stdout.strip().endswith(": OK"), verify


def test_a_profile_that_clashes_with_the_machine_is_said_once_not_raised(
    auto: tuple[Post, Send], api: Api, session: Session
) -> None:
    post, send = auto
    setup(post, cluster_max=2, location_max=2)
    clashing = PROFILES.replace(
        "apply: {serial_console: ttyS1, cpu_model: EPYC-Rome}",
        "apply: {options: {install_on_raid: true, raid_type: '1', raid_devices: [sda, sdb]}}",
    ) % {"cluster": 2, "location": 2}
    ok(post("/api/v1/profiles/import", {"text": clashing, "source": "auto.yaml"}))
    macs = ("00:1b:21:30:09:01", "00:1b:21:30:09:02")
    lldp = lldpctl_json([("eno1", "sw-a", "swp9"), ("eno2", "sw-a", "swp9")])
    files = {"lldpctl.json": lldp, "lsblk.json": TWO_SSDS}
    body = archive(
        machine_files("AUTO9", "4c4c4544-0000-1000-8000-000000300009", macs, extra=files)
    )
    send(body)
    # The operator chose the install disk by hand before the profile could apply.
    disk = "sda"
    ok(api.patch("/api/v1/machines/AUTO9/settings", {"dest_blk": disk}))

    (why,) = send(body)["enrolment"]
    assert why.startswith("profile not applied: ")
    assert "dest_blk" in why and "install_on_raid" in why
    send(body)
    session.expire_all()
    machine = session.scalar(select(Machine).where(Machine.serial == "AUTO9"))
    assert machine.hardware_profile is None  # nothing half-applied
    assert machine.settings.get("dest_blk") == disk
    assert _events(session, "AUTO9").count(("auto-enrolment", why)) == 1
