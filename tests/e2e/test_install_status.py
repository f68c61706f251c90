"""oci-report-status, the one way the installer and the installed node report
(installed, install-failed, firstboot, puppet-*), against `oci serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import requests

from oci.install import plan
from tests.helpers.database import Credentials
from tests.helpers.reports import archive, machine_files
from tests.helpers.server import LiveServer, free_port

SCRIPT = Path(plan.__file__).parent / "oci-report-status"


def report(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), "--url", url, *args], capture_output=True, text=True, timeout=60
    )


def discovered(server_url: str, serial: str, mac: str) -> str:
    """Report a machine from 127.0.0.1 (the server takes that address as the
    machine's own); its status URL."""
    answer = requests.post(
        server_url + "/api/v1/discovery/reports",
        data=archive(machine_files(serial, macs=(mac,))),
        headers={"Content-Type": "application/gzip"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return f"{server_url}/api/v1/machines/{serial}/status"


def test_a_node_walks_its_lifecycle_through_the_script(
    live_server: LiveServer, admin: Credentials
) -> None:
    url = discovered(live_server.url, "INST1", "00:1b:21:50:00:09")
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


def test_first_boot_reports_how_it_booted_then_puppet(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    url = discovered(live_server.url, "FIRST1", "00:1b:21:50:00:0a")
    for status in ("installing", "installed"):
        assert report(url, status).returncode == 0
    env = tmp_path / "firstboot.env"
    env.write_text(plan.env_text({"OCI_STATUS_URL": url, "OCI_STATUS_CACERT": ""}))
    # Puppet as the node runs it: changes applied (exit 2) count as a success.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "puppet").write_text('#!/bin/sh\necho puppet "$@"\nexit 2\n')
    (bin_dir / "puppet").chmod(0o755)
    # installed as the bundle installs it: executable (the package's copy is not)
    reporter = bin_dir / "oci-report-status"
    shutil.copyfile(SCRIPT, reporter)
    reporter.chmod(0o755)
    marker = tmp_path / "state" / "firstboot.done"
    ran = subprocess.run(
        ["sh", str(SCRIPT.with_name("oci-firstboot"))],
        env={
            "PATH": f"{bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin",
            "OCI_FIRSTBOOT_ENV": str(env),
            "OCI_FIRSTBOOT_MARKER": str(marker),
            "OCI_REPORT_STATUS": str(reporter),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert "could not report" not in ran.stdout, ran.stdout + ran.stderr
    assert "puppet agent --onetime --no-daemonize" in ran.stdout
    assert marker.exists()
    events = requests.get(
        live_server.url + "/api/v1/events",
        params={"machine": "FIRST1", "kind": "status-changed"},
        headers=admin.bearer,
        timeout=30,
    ).json()["items"]
    messages = [e["message"] for e in reversed(events)]
    firmware = "uefi" if Path("/sys/firmware/efi").is_dir() else "bios"
    root = subprocess.run(
        ["findmnt", "-n", "-o", "SOURCE", "/"], capture_output=True, text=True, check=True
    ).stdout.strip()
    kernel = os.uname().release
    assert messages[2:] == [
        f"status installed -> firstboot: booted {kernel}: {firmware} firmware, / on {root}",
        "status firstboot -> puppet-running: puppet agent --onetime",
        "status puppet-running -> puppet-success: puppet agent exit 2",
    ]
