"""Every writing route of the API, hammered in parallel through `oci serve` (2
processes): racing requests get an answer, never a 5xx, on every backend.

Each phase sends its requests at once from many threads; requests of a phase
name the same few rows, so creates race creates and deletes. A lost race is
the retrying transaction's job (oci/transactions.py): a 201 for one, a clean
409 or 404 for the others.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Bmc, Machine
from tests.helpers import storm
from tests.helpers.api import Api
from tests.helpers.database import Credentials, Database
from tests.helpers.enrolment import attach, make_cluster, network, ok
from tests.helpers.reports import archive, machine_files
from tests.helpers.server import LiveServer, serve

CLIENTS = 16
Request = tuple[str, str, Any]  # method, path under /api/v1, JSON body (bytes: a report)

# Routes that reach a BMC or a live system over SSH: here they may only refuse
# (no credentials, not enrolled, not installed) before reaching out; reaching
# out is tests/e2e's.
REFUSE_ONLY = {
    "bmc.power",
    "bmc.bootdev",
    "bmc.reboot_on_live",
    "bmc.reboot_on_hdd",
    "bmc.setup_ipmi",
    "install.install",
    "install.reboot",
    # S11 has no BMC credentials: refused before ipmitool runs.
    "bmc.ipmi_command",
    # S11 is live but its live system never reported its SSH host keys: refused
    # before any SSH (and S11 has no stored BMC credentials either).
    "bmc.apply_ipmi",
    "bmc.renew_ipmi_password",
    "bmc.hpe_ilo_license",
    "bmc.hpe_ipmi_over_lan",
    "machine_commands.wipe_",
    "raid.reset",
    # The same, after the profile check: the winning profile (p2) asks for no RAID.
    "raid.apply",
    "raid.check",
    # cl1 has no Swift store: no ring to build (tests/e2e/test_swift_rings.py), none to send.
    "swift_rings.calculate",
    "swift_rings.publish_rings",
}
# Three profiles that add their winners to cl1 in zone1 (machine-auto-add), and the
# switch every factory machine sees (tests/helpers/factories.py).
PROFILES = (
    "profiles:\n"
    + "".join(
        f"  - {{name: p{i}, role: compute, priority: {i}, cluster: cl1, location: zone1}}\n"
        for i in range(3)
    )
    + "switches: {table: {dc1-r2-rack5-sw1: {dc: dc1, row: r2, rack: '5'}}}\n"
)
# The BMC addresses S7 to S11 reported, in the ipmi network (ipmi-assign-check records them).
REPORTED_BMCS = {f"S{n}": f"10.97.0.{n}" for n in range(7, 12)}


@pytest.fixture
def hooked_server(database: Database, tmp_path: Path) -> Iterator[LiveServer]:
    """``oci serve`` with a hook of an on-demand event (machine-to-dns), which the
    storm runs; no hook of any other event."""
    hooks = tmp_path / "hooks"
    script = hooks / "to-dns" / "10-record"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\ncat > /dev/null\n")
    script.chmod(0o755)
    workdir = tmp_path / "server"
    workdir.mkdir()
    with serve(database, workdir, {"OCI_HOOKS_DIR": str(hooks)}) as server:
        yield server


def _catalogue_churn(rounds: int = 2) -> list[Request]:
    """Regions, locations, networks and clusters created and deleted at once."""
    requests_: list[Request] = []
    for _ in range(rounds):
        for i in range(4):
            requests_ += [("POST", "/swift-regions", {"name": f"r{i}"})] * 3
            requests_ += [("DELETE", f"/swift-regions/r{i}", None)] * 2
            location = {"name": f"z{i}", "swift_region": "region1"}
            requests_ += [("POST", "/locations", location)] * 3
            requests_ += [("DELETE", f"/locations/z{i}", None)] * 2
            net = {"name": f"n{i}", "address": f"10.50.{i}.0", "prefix_length": 24}
            requests_ += [("POST", "/networks", net | {"location": "zone2"})] * 3
            requests_ += [("DELETE", f"/networks/n{i}", None)] * 2
            requests_ += [("POST", "/roles", {"name": f"ro{i}", "description": "racing"})] * 3
            requests_ += [("DELETE", f"/roles/ro{i}", None)] * 2
            if i < 2:  # a cluster's secrets take CPU to make: two are enough to race
                cluster = {"name": f"c{i}", "domain": "example.org"}
                requests_ += [("POST", "/clusters", cluster)] * 2
                requests_ += [("DELETE", f"/clusters/c{i}", None)] * 2
    return requests_


def _cluster_and_machines() -> list[Request]:
    options = {"time_server_host": "ntp.example.com", "swift_replicas": 2, "cpu_model": "EPYC"}
    spare = {"cluster": "cl1", "role": "ceph-cluster", "iface1": "eno1"}
    requests_: list[Request] = [("PATCH", "/clusters/cl1", {k: v}) for k, v in options.items()]
    requests_ += [
        ("PATCH", "/networks/vmnet", {"mtu": 9000}),
        ("PATCH", "/networks/bridge", {"vlan": 7}),
    ]
    requests_ += [("POST", "/networks/spare/attachment", spare)] * 3
    # Filebeat hosts are a cluster option: they race the PATCHes above and each other.
    for host in ("log1.example.com", "log2.example.com"):
        requests_ += [
            ("POST", "/clusters/cl1/filebeat-output-hosts", {"hostname": host, "port": 5044})
        ] * 3
    requests_ += [("DELETE", "/clusters/cl1/filebeat-output-hosts/log0.example.com/5044", None)] * 2
    # Role counters: compute's races the enrolments below; cephosd's row is new to both racers.
    requests_ += [("PUT", "/clusters/cl1/rolecounts/compute", {"count": 10})] * 2
    requests_ += [("PUT", "/clusters/cl1/rolecounts/cephosd", {"count": 3})] * 3
    requests_ += [("POST", "/clusters/cl1/swift-rings", {})] * 2
    requests_ += [("POST", "/clusters/cl1/swift-rings/publish", {})] * 2
    requests_ += [("DELETE", "/networks/spare/attachment", None)] * 3
    for n in range(4):
        macs = (f"00:1b:21:31:00:{n:02x}",)
        report = archive(
            machine_files(f"NEW{n}", f"4c4c4544-0000-1000-8000-0000000031{n:02x}", macs)
        )
        requests_ += [("POST", "/discovery/reports", report)] * 2
    requests_ += [("POST", "/profiles/import", {"text": PROFILES})] * 3
    body = {"cluster": "cl1", "role": "compute", "location": "zone1"}
    for n in range(1, 7):
        requests_ += [("POST", f"/machines/S{n}/enrolment", body)] * 2
    return requests_


def _machine_writes() -> list[Request]:
    requests_: list[Request] = []
    for n in range(1, 7):
        requests_ += [
            ("PATCH", f"/machines/S{n}/settings", {"rack": f"rack{n}", "u_position": n}),
            ("POST", f"/machines/S{n}/status", {"status": "installing"}),
            ("POST", f"/machines/S{n}/status", {"status": "installing"}),
            ("POST", f"/machines/S{n}/racking", None),
        ]
    requests_ += [("POST", "/racking", None)] * 2
    requests_ += [("POST", "/profiles/test", {"text": PROFILES})] * 2
    ipmi = {"username": "admin", "password": "secret", "address": "192.0.2.9"}
    for n in range(7, 11):
        requests_ += [("PUT", f"/machines/S{n}/ipmi", ipmi)] * 2
    # The user and port changed, the password kept: racing the PUTs of the same BMCs.
    for n in (9, 10):
        requests_ += [("PATCH", f"/machines/S{n}/ipmi", {"username": "oci", "port": 624})] * 2
    # Reported BMC addresses recorded while the PUTs above change what S7-S10 say.
    requests_ += [("POST", "/ipmi-assign-check", None)] * 3
    # Two auto-adds of one machine race each other and the racking (profile p2 wins).
    for n in (7, 8):
        requests_ += [("POST", f"/machines/S{n}/auto-add", None)] * 2
    # An address of the Ceph network (no compute machine's) that both S4 and S5 want.
    extra = {"network": "extra", "address": "10.96.0.200"}
    for n in (4, 5):
        requests_ += [("POST", f"/machines/S{n}/ip-addresses", extra)] * 2
    for n in (4, 5, 6):
        requests_ += [("POST", f"/machines/S{n}/report-counter/reset", None)] * 2
        # Installing or live: set by the next install, no SSH (machine-gen-root-pass).
        requests_ += [("POST", f"/machines/S{n}/root-password", {})] * 2
    requests_ += [("POST", "/machines/S1/hooks/to-dns", None)] * 2
    requests_ += [("POST", "/machines/S2/hooks/to-dns", None)]
    # S12 takes S2's place while S2's own requests race it.
    requests_ += [("POST", "/machines/S2/replacement", {"new": "S12"})] * 2
    # S11 has no BMC credentials, is enrolled nowhere and is live.
    requests_ += [
        ("POST", "/machines/S11/power", {"action": "on"}),
        ("POST", "/machines/S11/bootdev", {"device": "pxe"}),
        ("POST", "/machines/S11/reboot-on-live", {}),
        ("POST", "/machines/S11/reboot-on-hdd", {}),
        ("POST", "/machines/S11/ipmi/setup", {}),
        ("POST", "/machines/S11/install", {}),
        ("POST", "/machines/S11/reboot", {"boot": "hdd"}),
        ("POST", "/machines/S11/ipmi/command", {"command": "chassis power status"}),
        ("POST", "/machines/S11/ipmi/apply", {}),
        ("POST", "/machines/S11/ipmi/renew-password", None),
        ("POST", "/machines/S11/hpe/ilo-license", None),
        ("POST", "/machines/S11/hpe/ipmi-over-lan", None),
        ("POST", "/machines/S11/wipe", {}),
        ("POST", "/machines/S11/raid/apply", {}),
        ("POST", "/machines/S11/raid/reset", None),
        ("POST", "/machines/S11/raid/check", {}),
    ] * 2
    return requests_


def _teardown() -> list[Request]:
    requests_: list[Request] = [("DELETE", f"/profiles/p{i}", None) for i in range(3)] * 2
    for n in range(1, 4):
        requests_ += [("DELETE", f"/machines/S{n}/enrolment", None)] * 2
    for n in range(12, 15):
        requests_ += [("DELETE", f"/machines/S{n}", None)] * 2
    for n in (4, 5, 6):
        requests_ += [("DELETE", f"/machines/S{n}/root-password", None)] * 2
    for n in (4, 5):
        requests_ += [("DELETE", f"/machines/S{n}/ip-addresses/10.96.0.200", None)] * 2
    return requests_


def _send(
    url: str, admin: Credentials, request: Request, http: requests.Session
) -> requests.Response:
    method, path, body = request
    if isinstance(body, bytes):  # a discovery report comes from the machine, unauthenticated
        headers = storm.REPORT_HEADERS
        return http.request(method, url + path, data=body, headers=headers, timeout=60)
    return http.request(method, url + path, json=body, headers=admin.bearer, timeout=60)


def test_every_writing_route_hammered_in_parallel_answers_without_5xx(
    hooked_server: LiveServer, app: Flask, api: Api, admin: Credentials, session: Session
) -> None:
    make_cluster(api, session)
    network(api, "spare", "10.98.0.0", 24, "zone1")
    network(api, "ipmi", "10.97.0.0", 24, "zone1")
    network(api, "extra", "10.96.0.0", 24, "zone1")
    ok(attach(api, "extra", "cl1", "ceph-cluster"))
    log0 = {"hostname": "log0.example.com", "port": 5044}
    ok(api.post("/api/v1/clusters/cl1/filebeat-output-hosts", json=log0), 201)
    ok(api.patch("/api/v1/networks/ipmi", json={"role": "ipmi"}))
    machines = {serial: id_ for serial, id_ in session.execute(select(Machine.serial, Machine.id))}
    session.add_all(
        Bmc(machine_id=machines[serial], ip_address=address)
        for serial, address in REPORTED_BMCS.items()
    )
    session.commit()
    url = hooked_server.url + "/api/v1"
    routes = app.url_map.bind("localhost")
    answers: dict[str, Counter[int]] = {}
    failures: list[str] = []
    errors: list[str] = []  # method path: status, of each 5xx
    shuffle = random.Random(26).shuffle
    for phase in (_catalogue_churn(), _cluster_and_machines(), _machine_writes(), _teardown()):
        shuffle(phase)

        def send(
            http: requests.Session, index: int, phase: list[Request] = phase
        ) -> requests.Response:
            method, path, _ = phase[index]
            response = _send(url, admin, phase[index], http)
            endpoint = routes.match("/api/v1" + path, method)[0]
            answers.setdefault(endpoint, Counter())[response.status_code] += 1
            if response.status_code >= 500:
                errors.append(f"{method} {path}: {response.status_code}")
            return response

        # A 5xx is not retried: it counts, as it would for an ocicli user.
        failures += storm.run(len(phase), send, clients=CLIENTS, tries=1).failures
    assert errors == [], f"{len(errors)} answers 5xx: {Counter(errors).most_common()}"
    assert failures == []  # and each request got an answer

    writing = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
    }
    assert writing - set(answers) == set(), "a writing route this test does not hammer"
    never_done = {e for e, seen in answers.items() if not any(200 <= s < 300 for s in seen)}
    assert never_done == REFUSE_ONLY, str(sorted(answers.items()))
    # Racing edits of one cluster's options all landed: none overwrote another's.
    hosts = ok(api.get("/api/v1/clusters/cl1/filebeat-output-hosts"))["items"]
    assert {h["hostname"] for h in hosts} == {"log1.example.com", "log2.example.com"}
    assert ok(api.get("/api/v1/clusters/cl1"))["options"]["time_server_host"] == "ntp.example.com"
