"""ocicli profile-*, machine-guessed-profile, machine-guess-racking, machine-auto-rack:
the installed commands against ``oci serve``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from oci.matching.profiles import example_text
from tests.helpers import factories
from tests.helpers.cli import admin_env, table_rows
from tests.helpers.commands import Command
from tests.helpers.database import Credentials
from tests.helpers.server import LiveServer


@pytest.fixture
def ocicli(live_server: LiveServer, admin: Credentials, tmp_path: Path) -> Command:
    env = admin_env(tmp_path, live_server, admin)
    return Command("ocicli", env, quiet=True)


def test_profiles_through_the_cli(ocicli: Command, live_server: LiveServer, tmp_path: Path) -> None:
    with live_server.database.sessions() as session:
        factories.machine(session, "S1")  # R650, 512GiB, a T4, dc1-r2-rack5-sw1 swp12
        factories.machine(session, "S2", memory_bytes=96 * 2**30)
        factories.machine(session, "S3").lldp_neighbours[0].switch_name = "mystery"
        session.commit()
    examples = tmp_path / "examples.yaml"
    examples.write_text(example_text())

    tried = json.loads(ocicli("profile-test", str(examples), "-f", "json"))
    assert [(i["serial"], i["profile"]) for i in tried["items"]] == [
        ("S1", "gpu-compute-t4"),
        ("S2", None),
        ("S3", "gpu-compute-t4"),
    ]
    assert ocicli.json("profile-list") == []  # profile-test saved nothing
    # The default table: one row per machine under its columns, then the tally.
    table = ocicli("profile-test", str(examples))
    rows = table_rows(table)
    assert rows[0] == ["serial", "hostname", "status", "profile", "role", "candidates"]
    assert rows[1] == ["S1", "", "matched", "gpu-compute-t4", "compute", "gpu-compute-t4"]
    assert rows[2] == ["S2", "", "none", "", "", ""]
    tally = table.splitlines()[-1]
    assert tally.startswith("3 machine(s); wins: ") and tally.endswith("no match: 1")

    assert ocicli("profile-import", str(examples)).startswith("imported 9 profile(s): ")
    names = ocicli("profile-list", "-f", "value", "-c", "name").split()
    assert names[0].startswith("gpu-compute-") and names[-1] in ("compute", "compute-arm")
    shown = ocicli.json("profile-show", "controller")
    assert shown["definition"]["apply"]["serial_console"] == "ttyS1"

    explained = ocicli("machine-guessed-profile", "S1")
    assert explained.splitlines()[0] == "S1: profile gpu-compute-t4 (role compute)"
    assert "    [no] gpus 1 of (1x TU104GL [Tesla T4] (10de:1eb8)), not exactly 0" in explained
    guess = ocicli.json("machine-guessed-profile", "S2")
    assert guess["status"] == "none"
    failing = {
        p["name"]: [c["text"] for c in p["checks"] if not c["ok"]] for p in guess["profiles"]
    }
    # The factory's machine has no core count, a T4 and no BMC.
    assert failing["controller"] == [
        "cpu.cores unknown, min 16",
        "gpus 1 of (1x TU104GL [Tesla T4] (10de:1eb8)), not exactly 0",
        "bmc absent, wanted present",
    ]
    assert failing["gpu-compute-t4"] == ["ram 96GiB < min 128GiB"]

    racking = ocicli.json("machine-guess-racking", "S1")
    assert (racking["placed"], racking["rack"], racking["u_position"]) == (True, "5", 12)
    every = yaml.safe_load(ocicli("machine-guess-racking", "--all", "-f", "yaml"))
    assert [(m["serial"], m["placed"]) for m in every] == [
        ("S1", True),
        ("S2", True),
        ("S3", False),
    ]
    assert ocicli("machine-list", "-f", "value", "-c", "serial", "-c", "racking") == (
        "S1 placeable\nS2 placeable\nS3 unknown switch mystery on eno1\n"
    )
    racked = ocicli("machine-auto-rack", "--all", "-f", "value", "-c", "serial", "-c", "applied")
    assert racked == "S1 yes\nS2 yes\nS3 no\n"
    assert ocicli.json("machine-show", "S1")["compute_aggregate"] == "az-dc1-r2"

    exported = tmp_path / "exported.yaml"
    ocicli("profile-export", "-o", str(exported))
    assert yaml.safe_load(exported.read_text())["switches"]["table"]["dc2-b3-5"]["rack"] == "5"
    assert ocicli("profile-delete", "controller") == "deleted profile controller\n"


def test_mistakes_are_one_line_naming_the_field(ocicli: Command, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "profiles:\n  - {name: ctl, role: controller, match: {ram: {min: 64GB}, cpus: 2}}\n"
    )
    error = ocicli.fails("profile-import", str(bad))
    assert error == "invalid profiles file: bad.yaml: profile 'ctl': match.cpus: unknown field"
    usage = ocicli.run("machine-auto-rack")
    assert usage.returncode == 2 and "Error: give a SERIAL or --all" in usage.stderr
    assert "no hardware profile named 'nope'" in ocicli.fails("profile-show", "nope")
