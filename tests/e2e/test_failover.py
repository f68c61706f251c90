"""oci highly available: two `oci serve` on one PostgreSQL database behind haproxy,
one killed (SIGKILL, master and workers) in the middle of a boot storm, then the
other in the middle of 40 parallel `ocicli machine-add`.

Every request either succeeds or fails cleanly (a 502 or 503 from haproxy, a
dropped connection) and its client sends it again: the machines as the agent
does (tests/helpers/storm.py), ocicli for a lost answer (a machine-add that went
through is noticed, not refused). Afterwards the inventory is consistent, read
from the database: every machine once with its report, 40 host names
cl1-compute-1..40, no address or host name twice.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from oci.cli.client import ApiClient
from oci.models import DiscoveryReport, IpAddress, Machine
from tests.helpers import storm
from tests.helpers.cli import clean_env
from tests.helpers.database import Credentials, Database
from tests.helpers.ha import CLIENTS, HaOci, ha_oci
from tests.helpers.server import BIN

MACHINES = 400
ADDS = 40
ADD_ARGS = ("cl1", "compute", "zone1", "-f", "json")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed"),
]


def make_cluster(ha: HaOci, admin: Credentials) -> None:
    api = ApiClient(ha.url, token=admin.token)
    api.post("/api/v1/swift-regions", {"name": "region1"})
    api.post("/api/v1/locations", {"name": "zone1", "swift_region": "region1"})
    api.post("/api/v1/clusters", {"name": "cl1", "domain": "example.com"})
    network = {"name": "mgmt", "address": "192.168.101.0", "prefix_length": 24}
    api.post("/api/v1/networks", network | {"location": "zone1", "is_public": False})
    api.post(
        "/api/v1/networks/mgmt/attachment", {"cluster": "cl1", "role": "all", "iface1": "eno1"}
    )


def boot_storm(ha: HaOci, victim: int) -> storm.Outcome:
    """MACHINES machines boot and report through the proxy; server `victim` is
    killed once half of them have reported."""
    machines = [storm.StormMachine(n) for n in range(MACHINES)]
    bodies = [machine.report() for machine in machines]
    requests_made = itertools.count()
    reported = itertools.count(1)
    half = threading.Event()

    def boot(session: requests.Session, i: int) -> requests.Response:
        next(requests_made)
        script = storm.boot_script(ha.url, machines[i])(session)
        if script.status_code >= 500:
            return script  # the storm's client asks again
        next(requests_made)
        response = storm.post_report(ha.url, bodies[i])(session)
        if response.status_code < 500 and next(reported) == MACHINES // 2:
            half.set()
        return response

    outcome: list[storm.Outcome] = []
    runner = threading.Thread(target=lambda: outcome.append(storm.run(MACHINES, boot)))
    runner.start()
    assert half.wait(timeout=300), "the storm never got half-way"
    ha.instances[victim].kill()
    runner.join(timeout=300)
    made = next(requests_made)
    print(
        f"\nboot storm: {MACHINES} machines, {made} requests; {ha.instances[victim].name} "
        f"killed after {MACHINES // 2} reports; failed and retried {outcome[0].retries}, "
        f"statuses {outcome[0].statuses}, lost {len(outcome[0].failures)}"
    )
    return outcome[0]


def parallel_adds(ha: HaOci, admin: Credentials, home: Path, victim: int) -> list[str]:
    """ADDS `ocicli machine-add` at once through the proxy; server `victim` is
    killed once a few have finished. Returns each one's JSON answer."""
    env = clean_env(home) | {"OCI_API_URL": ha.url, "OCI_API_TOKEN": admin.token}
    processes = [
        subprocess.Popen(
            [str(BIN / "ocicli"), "machine-add", storm.StormMachine(n).serial, *ADD_ARGS],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(ADDS)
    ]
    while sum(p.poll() is not None for p in processes) < 5:
        time.sleep(0.02)
    done_before_kill = sum(p.poll() is not None for p in processes)
    ha.instances[victim].kill()
    outputs = [p.communicate(timeout=120) for p in processes]
    failed = [
        (p.returncode, err) for p, (_, err) in zip(processes, outputs, strict=True) if p.returncode
    ]
    resends = sum(err.count("asking again") for _, err in outputs)
    print(
        f"machine-add: {ADDS} ocicli at once; {ha.instances[victim].name} killed after "
        f"{done_before_kill}; requests sent again {resends}; failed {len(failed)}"
    )
    assert failed == []
    assert done_before_kill < ADDS, "every machine-add was done before the kill: nothing shown"
    return [out for out, _ in outputs]


def test_a_server_killed_in_a_boot_storm_and_in_machine_adds_loses_nothing(
    database: Database, admin: Credentials, tmp_path: Path
) -> None:
    if database.backend != "postgresql":
        pytest.skip("shown on PostgreSQL, the database a highly available site runs")
    with ha_oci(database, tmp_path) as ha:
        make_cluster(ha, admin)

        booted = boot_storm(ha, victim=0)
        # Nothing lost; a machine whose first report was taken and whose answer
        # was lost reports again: taken again (200), not a second machine.
        assert booted.failures == []
        assert sum(booted.statuses.values()) == MACHINES
        assert set(booted.statuses) <= {200, 201}

        # The first server comes back; haproxy sends to it again.
        ha.instances[0].start()
        ha.wait_until({"oci1": "UP", "oci2": "UP"})
        answers = parallel_adds(ha, admin, tmp_path / "home", victim=1)

    hostnames = {json.loads(answer)["hostname"] for answer in answers}
    assert hostnames == {f"cl1-compute-{n}.example.com" for n in range(1, ADDS + 1)}

    with database.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Machine)) == MACHINES
        reported = s.scalar(select(func.count(func.distinct(DiscoveryReport.machine_id))))
        assert reported == MACHINES
        serials = set(s.scalars(select(Machine.serial)))
        assert serials == {storm.StormMachine(n).serial for n in range(MACHINES)}
        enrolled = s.scalars(select(Machine.hostname).where(Machine.hostname.is_not(None))).all()
        assert sorted(enrolled) == sorted(hostnames)
        addresses = s.execute(
            select(IpAddress.network_id, IpAddress.address, func.count())
            .group_by(IpAddress.network_id, IpAddress.address)
            .having(func.count() > 1)
        ).all()
        assert addresses == []
        # The machines' own address, from haproxy's PROXY header: not haproxy's.
        sources = set(s.scalars(select(DiscoveryReport.source).distinct()))
        assert sources == {CLIENTS}
        hosts = s.scalar(
            select(func.count()).select_from(IpAddress).where(IpAddress.purpose == "host")
        )
        assert hosts == ADDS
