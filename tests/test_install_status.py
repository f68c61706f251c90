"""oci-report-status, the one way the installer and the installed node report
(installed, install-failed, firstboot, puppet-*), against `oci serve`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import requests

from oci.install import plan
from tests.conftest import free_port
from tests.reports import archive, machine_files

SCRIPT = Path(plan.__file__).parent / "oci-report-status"


def report(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), "--url", url, *args], capture_output=True, text=True, timeout=60
    )


def test_a_node_walks_its_lifecycle_through_the_script(live_server, admin) -> None:  # type: ignore[no-untyped-def]
    # Discovered from 127.0.0.1: the server takes that address as the machine's own.
    files = machine_files("INST1", macs=("00:1b:21:50:00:09",))
    answer = requests.post(
        live_server.url + "/api/v1/discovery/reports",
        data=archive(files),
        headers={"Content-Type": "application/gzip"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    url = live_server.url + "/api/v1/machines/INST1/status"
    for status in ("installing", "installed", "firstboot", "puppet-running", "puppet-success"):
        # quotes, a backslash, a newline and non-ASCII: still one JSON string
        done = report(url, status, f'{status}: "x"\\ done\nnext é')
        assert done.returncode == 0, done.stderr
        assert f"reported '{status}' (HTTP 200)" in done.stderr
    shown = requests.get(
        live_server.url + "/api/v1/machines/INST1", headers=admin.bearer, timeout=30
    )
    assert shown.json()["status"] == "puppet-success"
    events = requests.get(
        live_server.url + "/api/v1/events", headers=admin.bearer, timeout=30
    ).json()["items"]
    assert 'status firstboot -> puppet-running: puppet-running: "x"\\ done next ' in [
        e["message"] for e in events
    ]
    refused = report(url, "firstboot")
    assert refused.returncode == 1
    assert "the server refused 'firstboot' (HTTP 409)" in refused.stderr
    assert "cannot go to 'firstboot'" in refused.stderr


def test_an_unreachable_server_is_retried_then_given_up() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1/machines/X/status"
    result = report(url, "--tries", "2", "--retry-wait", "0", "installed")
    assert result.returncode == 1
    assert "attempt 1 to report 'installed' failed (HTTP 000" in result.stderr
    assert "could not report 'installed' after 2 attempts" in result.stderr


def test_usage_errors() -> None:
    assert report("http://x", "Not A Status").returncode == 2
    missing = subprocess.run(["sh", str(SCRIPT), "installed"], capture_output=True, text=True)
    assert missing.returncode == 2 and "no status URL" in missing.stderr
