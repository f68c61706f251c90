"""The profiles API: import all or nothing, list/show/export/delete, test, explain, racking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from oci.api.app import create_app
from oci.config import Settings
from oci.matching.profiles import example_text
from oci.models import HardwareProfile, Machine, MachineEvent, SwitchRule
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Credentials

SWITCHES = r"""
switches:
  patterns:
    - regex: '^(?P<dc>dc\d+)-r(?P<row>\d+)-rack(?P<rack>\d+)-sw\d+$'
      location: '{dc}-zone1'
      aggregate: 'az-{dc}-r{row}'
      position: {port: '^swp(?P<u>\d+)$'}
"""


def ok(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def refused(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def load(api: Api, text: str, source: str = "site.yaml"):
    return api.post("/api/v1/profiles/import", json={"text": text, "source": source})


def test_import_list_show_export_delete(api: Api, session: Session) -> None:
    done = ok(load(api, example_text()))
    assert "controller" in done["profiles"] and done["switch_rules"] == 2
    listed = ok(api.get("/api/v1/profiles"))
    assert listed["total"] == len(done["profiles"])
    priorities = [p["priority"] for p in listed["items"]]
    assert priorities == sorted(priorities, reverse=True)
    shown = ok(api.get("/api/v1/profiles/ceph-osd-nvme"))
    assert shown["role"] == "cephosd" and shown["source"] == "site.yaml"
    assert shown["definition"]["match"]["disks"]["nvme"]["size"] == "1.6TB..16TB"

    exported = ok(api.get("/api/v1/profiles/export"))
    assert exported["switches"]["table"]["dc2-b3-5"]["aggregate"] == "AZ3"
    # What export gives, import takes back unchanged.
    import yaml

    again = ok(load(api, yaml.safe_dump(exported), "exported.yaml"))
    assert sorted(again["profiles"]) == sorted(done["profiles"])
    assert ok(api.get("/api/v1/profiles/export")) == exported

    assert api.delete("/api/v1/profiles/controller").status_code == 204
    assert refused(api.get("/api/v1/profiles/controller"), 404)["message"] == (
        "no hardware profile named 'controller'"
    )
    assert refused(api.delete("/api/v1/profiles/controller"), 404)


def test_a_bad_file_is_refused_whole_naming_the_field(api: Api, session: Session) -> None:
    ok(load(api, "profiles: [{name: keep, role: compute}]\n" + SWITCHES))
    bad = """
profiles:
  - {name: fine, role: compute}
  - {name: broken, role: cephosd, match: {disks: {nvme: {count: {min: 4}, size: 3TB-8TB}}}}
switches: {table: {sw1: {dc: a, row: b, rack: c}}}
"""
    error = refused(load(api, bad, "new.yaml"), 422)
    assert error["details"]["problems"] == [
        "new.yaml: profile 'broken': match.disks.nvme.size: '3TB-8TB' is not a size range: "
        "write LOW..HIGH, LOW.. or ..HIGH"
    ]
    names = session.scalars(select(HardwareProfile.name)).all()
    assert names == ["keep"]
    assert session.scalar(select(func.count()).select_from(SwitchRule)) == 1
    unknown = refused(
        load(api, "profiles: [{name: x, role: compute, apply: {raid_level: 1}}]"), 422
    )
    assert unknown["details"]["problems"] == [
        "site.yaml: profile 'x': apply.raid_level: unknown field"
    ]


def test_guessed_profile_explains_and_racking_places(api: Api, session: Session) -> None:
    factories.machine(session, "S1")  # PowerEdge R650, 512GiB, T4, LLDP dc1-r2-rack5-sw1 swp12
    session.commit()
    ok(load(api, example_text()))
    guess = ok(api.get("/api/v1/machines/S1/guessed-profile"))
    assert (guess["status"], guess["profile"], guess["role"]) == (
        "matched",
        "gpu-compute-t4",
        "compute",
    )
    compute = next(p for p in guess["profiles"] if p["name"] == "compute")
    assert not compute["passed"]
    assert {
        "field": "gpus",
        "ok": False,
        "text": "gpus 1 of (1x TU104GL [Tesla T4] (10de:1eb8)), not exactly 0",
    } in compute["checks"]

    # Switch rules that know dc2-b3-5 only: S1's switch is unknown, and flagged.
    ok(load(api, "switches: {table: {dc2-b3-5: {dc: dc2, row: b3, rack: '5'}}}"))
    machines = ok(api.get("/api/v1/machines"))["items"]
    assert machines[0]["racking_flags"] == ["unknown switch dc1-r2-rack5-sw1 on eno1"]
    racking = ok(api.get("/api/v1/machines/S1/racking"))
    assert racking["placed"] is False
    assert refused(api.post("/api/v1/machines/S1/racking"), 409)["details"]["flags"] == [
        "unknown switch dc1-r2-rack5-sw1 on eno1"
    ]
    ok(load(api, SWITCHES))  # replaces the switch rules
    assert ok(api.get("/api/v1/machines/S1"))["racking_flags"] == []
    placed = ok(api.post("/api/v1/machines/S1/racking"))
    assert (placed["datacenter"], placed["row"], placed["rack"], placed["u_position"]) == (
        "dc1",
        "2",
        "5",
        12,
    )
    assert (placed["location"], placed["aggregate"], placed["applied"]) == (
        "dc1-zone1",
        "az-dc1-r2",
        True,
    )
    assert ok(api.post("/api/v1/machines/S1/racking"))["applied"] is False  # idempotent
    machine = session.scalar(
        select(Machine).where(Machine.serial == "S1").execution_options(populate_existing=True)
    )
    assert (machine.datacenter, machine.rack, machine.compute_aggregate) == (
        "dc1",
        "5",
        "az-dc1-r2",
    )
    assert session.scalar(select(func.count()).where(MachineEvent.kind == "racked")) == 1


def test_racking_of_all_machines(api: Api, session: Session) -> None:
    factories.machine(session, "S1")
    factories.machine(session, "S2").lldp_neighbours[0].switch_name = "mystery"
    session.commit()
    ok(load(api, SWITCHES))
    every = ok(api.get("/api/v1/racking"))
    assert [(i["serial"], i["placed"]) for i in every["items"]] == [("S1", True), ("S2", False)]
    assert [i["serial"] for i in ok(api.get("/api/v1/racking?flagged=true"))["items"]] == ["S2"]
    done = ok(api.post("/api/v1/racking"))
    assert (done["applied"], done["flagged"]) == (1, 1)


def test_profile_test_matches_the_inventory_without_saving(api: Api, session: Session) -> None:
    factories.machine(session, "S1")
    factories.machine(session, "S2", memory_bytes=64 * 2**30)
    session.commit()
    text = """
profiles:
  - {name: big, role: compute, priority: 10, match: {ram: {min: 256GiB}}}
  - {name: tie-a, role: controller, priority: 5, match: {ram: {max: 128GiB}}}
  - {name: tie-b, role: network, priority: 5, match: {ram: {max: 128GiB}}}
"""
    result = ok(api.post("/api/v1/profiles/test", json={"text": text, "source": "t.yaml"}))
    assert [(i["serial"], i["status"], i["profile"]) for i in result["items"]] == [
        ("S1", "matched", "big"),
        ("S2", "ambiguous", None),
    ]
    assert result["items"][1]["candidates"] == ["tie-a", "tie-b"]
    assert (result["matched"], result["ambiguous"], result["unmatched"]) == (
        {"big": 1, "tie-a": 0, "tie-b": 0},
        1,
        0,
    )
    assert session.scalar(select(func.count()).select_from(HardwareProfile)) == 0


@pytest.fixture
def files_app(settings: Settings, tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    folder = tmp_path / "profiles.d"
    folder.mkdir()
    (folder / "site.yaml").write_text("profiles: [{name: from-file, role: compute}]\n")
    app = create_app(settings.model_copy(update={"profiles_dir": folder}))
    yield app, folder
    app.extensions["oci_engine"].dispose()


def test_the_profiles_directory(files_app: tuple[Flask, Path], admin: Credentials) -> None:
    app, folder = files_app
    client = app.test_client()
    headers = admin.bearer
    listed = ok(client.get("/api/v1/profiles", headers=headers))["items"]
    assert [(p["name"], p["read_only"]) for p in listed] == [("from-file", True)]
    clash = client.post(
        "/api/v1/profiles/import",
        json={"text": "profiles: [{name: from-file, role: dns}]"},
        headers=headers,
    )
    assert "come from the profiles directory" in refused(clash, 409)["message"]
    assert (
        "remove it from that file"
        in refused(client.delete("/api/v1/profiles/from-file", headers=headers), 409)["message"]
    )
    # A file broken later: the error names it, and machine-list still answers.
    (folder / "site.yaml").write_text("profiles: [{name: from-file, role: compute, prio: 1}]\n")
    error = refused(client.get("/api/v1/profiles", headers=headers), 422)
    assert error["details"]["problems"] == [
        f"{folder / 'site.yaml'}: profile 'from-file': prio: unknown field"
    ]
    ok(client.get("/api/v1/machines", headers=headers))


@pytest.mark.parametrize("name", ["export", "import", "test"])
def test_a_profile_may_not_take_the_name_of_a_profiles_route(
    api: Api, session: Session, name: str
) -> None:
    # GET /profiles/export is the export: a profile named so could never be shown.
    text = f"profiles: [{{name: keep, role: compute}}, {{name: {name}, role: compute}}]\n"
    error = refused(load(api, text, "new.yaml"), 422)
    assert error["message"] == (
        f"invalid profiles file: new.yaml: profile {name!r}: name: reserved for the route "
        f"/api/v1/profiles/{name} (export, import and test cannot name a profile)"
    )
    assert session.scalars(select(HardwareProfile.name)).all() == []  # all or nothing
    assert "profiles" in ok(api.get("/api/v1/profiles/export"))
