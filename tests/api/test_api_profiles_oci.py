"""OCI's own hardware-profiles.json and auto-racking.json through the profiles API."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from oci.config import Settings
from oci.enrolment import automation
from oci.models import LldpNeighbour, Machine, MachineEvent
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Database
from tests.helpers.paths import TESTS

OCI = TESTS / "fixtures" / "oci-42.2.5"


def ok(response: TestResponse) -> Any:
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def load(api: Api, name: str, fmt: str = "auto") -> TestResponse:
    text = (OCI / name).read_text()
    return api.post("/api/v1/profiles/import", json={"text": text, "source": name, "format": fmt})


def test_oci_files_import_place_and_export_back(api: Api, session: Session) -> None:
    profiles = ok(load(api, "hardware-profiles.json"))
    assert profiles["format"] == "hardware-profiles" and len(profiles["profiles"]) == 6
    assert any("after-puppet-controller-command" in n for n in profiles["notes"])
    racking = ok(load(api, "auto-racking.json", "oci"))
    assert racking["format"] == "auto-racking" and racking["switch_rules"] > 100

    factories.machine(session, "S1", product_name="PowerEdge R740xd", memory_bytes=128 << 30)
    factories.machine(session, "S2", product_name="PowerEdge R7525")
    factories.machine(session, "S3")  # a PowerEdge R650
    # The factory's eno1 hears dc1-r2-rack5-sw1: move both onto a switch of OCI's file.
    for row in session.scalars(select(LldpNeighbour)):
        row.switch_name, row.port_id = "ver-d46-cl1", "swp7"
    session.commit()

    guessed = ok(api.get("/api/v1/machines/S1/guessed-profile"))
    assert guessed["profile"] == "swiftstore-no-account-container-r740xd"
    assert guessed["role"] == "swiftstore"
    # The R650 is not in productnames: OCI does not rack it.
    assert ok(api.get("/api/v1/machines/S3/racking"))["placed"] is False
    assert ok(api.get("/api/v1/machines/S3/guessed-profile"))["status"] == "none"
    placed = ok(api.get("/api/v1/machines/S2/racking"))
    assert (placed["datacenter"], placed["row"], placed["rack"], placed["u_position"]) == (
        "2",
        "d",
        "46",
        7,
    )
    assert (placed["location"], placed["aggregate"]) == ("ver-zone-2", "VER_2")

    exported = ok(api.get("/api/v1/profiles/export/oci"))
    assert exported["hardware_profiles"] == json.loads((OCI / "hardware-profiles.json").read_text())
    assert exported["auto_racking"] == json.loads((OCI / "auto-racking.json").read_text())
    assert exported["notes"] == []


def test_format_oci_refuses_our_own_shape(api: Api, session: Session) -> None:
    response = api.post(
        "/api/v1/profiles/import", json={"text": "profiles: []", "source": "x", "format": "oci"}
    )
    assert response.status_code == 422
    assert "not an OCI file" in response.get_json()["error"]["message"]


def test_a_machine_winning_ocis_swiftstore_profile_gets_its_machine_set(
    api: Api, session: Session, database: Database, settings: Settings
) -> None:
    """Hands-free enrolment applies the winner's machine-set line as OCI does: through
    machine-set's own write, in the transaction of the rest, recorded in an event."""
    ok(load(api, "hardware-profiles.json"))
    machine = factories.machine(
        session, "S1", product_name="PowerEdge R740xd", memory_bytes=128 << 30
    )
    machine.discovery_count = 2
    session.commit()
    auto = settings.model_copy(update={"auto_apply_after": 2})
    done = automation.enrol_if_ready(database.sessions, machine.id, auto)
    profile = "swiftstore-no-account-container-r740xd"
    assert done and done[0].startswith(f"profile {profile} applied (role swiftstore): ")
    shown = ok(api.get("/api/v1/machines/S1/settings"))
    got = shown["settings"]
    assert {k: got[k] for k in ("swift_store_object", "swift_store_account")} == {
        "swift_store_object": True,
        "swift_store_account": False,
    }
    assert got["swift_store_container"] is False
    assert (got["install_on_raid"], got["raid_type"], got["raid_devices"]) == (
        True,
        "1",
        ["sdm", "sdn"],
    )
    session.expire_all()
    applied = session.scalars(
        select(MachineEvent).where(MachineEvent.kind == "profile-applied")
    ).one()
    assert applied.details["settings"]["raid_devices"] == ["sdm", "sdn"]
    assert session.get(Machine, machine.id).hardware_profile == profile
    # Idempotent: a later report applies nothing again.
    assert automation.enrol_if_ready(database.sessions, machine.id, auto) == []
