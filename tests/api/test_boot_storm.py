"""A boot storm loses nothing: 1,000 distinct machines ask for their boot script and report.

Against the real server (`oci serve`, gunicorn, 2 workers) on each database
backend, over loopback, 16 clients at a time: every machine gets its own live
image script and every report lands as its own machine. No timing is asserted
(the machine is shared); the time taken is printed, and bench/boot_storm.py
compares throughput and p99 with a no-op route.
"""

from __future__ import annotations

import pytest
import requests

from tests.helpers import storm
from tests.helpers.database import Credentials
from tests.helpers.server import LiveServer

COUNT = 1000


@pytest.mark.slow
def test_a_thousand_machines_boot_and_report_and_nothing_is_lost(
    live_server: LiveServer, admin: Credentials
) -> None:
    machines = [storm.StormMachine(n) for n in range(COUNT)]
    bodies = [machine.report() for machine in machines]
    url = live_server.url

    def ask(session: requests.Session, i: int) -> requests.Response:
        return storm.boot_script(url, machines[i])(session)

    scripts = storm.run(COUNT, ask)
    assert scripts.failures == [] and scripts.statuses == {200: COUNT}

    def post(session: requests.Session, i: int) -> requests.Response:
        return storm.post_report(url, bodies[i])(session)

    reports = storm.run(COUNT, post)
    print(
        f"\n{COUNT} boot scripts in {scripts.seconds:.1f} s, {COUNT} reports in "
        f"{reports.seconds:.1f} s ({live_server.database.backend}; "
        f"retries {scripts.retries}+{reports.retries})"
    )
    assert reports.failures == [] and reports.statuses == {201: COUNT}

    # Every machine is there once, with its own identity; a second boot sees it.
    listed = requests.get(
        f"{url}/api/v1/machines", params={"limit": 1000}, headers=admin.bearer, timeout=30
    ).json()
    assert listed["total"] == COUNT
    assert {m["serial"] for m in listed["items"]} == {m.serial for m in machines}
    assert {m["system_uuid"] for m in listed["items"]} == {m.uuid for m in machines}
    with requests.Session() as session:
        for machine in machines[::97]:
            text = storm.boot_script(url, machine)(session).text
            assert "state live" in text and "BOOTIF=01-" + machine.mac.replace(":", "-") in text
