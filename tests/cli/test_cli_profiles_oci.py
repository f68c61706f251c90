"""ocicli profile-import and profile-export --format oci with OCI's own files, against
``oci serve``: what cannot be expressed is printed on stderr, one line each."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.cli import admin_env
from tests.helpers.commands import Command
from tests.helpers.database import Credentials
from tests.helpers.paths import TESTS
from tests.helpers.server import LiveServer

OCI = TESTS / "fixtures" / "oci-42.2.5"


def test_oci_files_round_trip_through_ocicli(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    ocicli = Command("ocicli", admin_env(tmp_path, live_server, admin))
    done = ocicli.run("profile-import", str(OCI / "hardware-profiles.json"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported 6 profile(s): normal-controller, ")
    notes = done.stderr.splitlines()
    assert notes and all(
        line.startswith("not expressed: hardware-profiles.json: ") for line in notes
    )
    assert any("after-puppet-controller-command" in line for line in notes)
    # OCI's machine-set lines are applied now (apply.options): 24 notes, were 26.
    assert len(notes) == 24 and not any("machine-set" in line for line in notes)
    done = ocicli.run("profile-import", "--format", "oci", str(OCI / "auto-racking.json"))
    assert done.returncode == 0 and "switch rule(s)" in done.stdout, done.stderr

    out = tmp_path / "oci"
    done = ocicli.run("profile-export", "--format", "oci", "-o", str(out))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    for name in ("hardware-profiles.json", "auto-racking.json"):
        assert json.loads((out / name).read_text()) == json.loads((OCI / name).read_text())
    printed = json.loads(ocicli("profile-export", "--format", "oci"))
    assert set(printed) == {"hardware-profiles.json", "auto-racking.json"}
