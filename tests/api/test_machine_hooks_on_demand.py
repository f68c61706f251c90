"""machine-to-dns and the other on-demand hook events, on the API: the site's hooks
run at once, their outcomes answered and recorded; refused when none would run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.api.app import create_app
from oci.config import Settings
from oci.models import MachineEvent
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Credentials


@pytest.fixture
def hooks_dir(tmp_path: Path) -> Path:
    return tmp_path / "hooks.d"


@pytest.fixture
def hooked_app(settings: Settings, hooks_dir: Path) -> Iterator[Flask]:
    changed = settings.model_copy(update={"hooks_dir": hooks_dir, "hook_timeout": 5.0})
    application = create_app(changed)
    application.config["TESTING"] = True
    yield application
    application.extensions["oci_hooks"].shutdown(wait=True)
    application.extensions["oci_engine"].dispose()


@pytest.fixture
def hapi(hooked_app: Flask, admin: Credentials) -> Api:
    return Api(hooked_app.test_client(), admin)


def hook(hooks_dir: Path, event: str, name: str, body: str) -> None:
    path = hooks_dir / event / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_to_dns_runs_the_hooks_and_says_how_they_went(
    hapi: Api, hooks_dir: Path, session: Session, tmp_path: Path
) -> None:
    factories.machine(session, "S1")
    session.commit()
    hook(
        hooks_dir,
        "to-dns",
        "10-dns",
        f'cat > {tmp_path}/doc.json; echo "$OCI_HOOK_EVENT" > {tmp_path}/ev',
    )
    hook(hooks_dir, "to-dns", "20-cmdb", "echo 'cmdb unreachable' >&2; exit 3")
    response = hapi.post("/api/v1/machines/S1/hooks/to-dns")
    assert response.status_code == 200, response.get_json()
    ran = response.get_json()
    assert [(o["hook"], o["ok"], o["exit_status"]) for o in ran["outcomes"]] == [
        ("10-dns", True, 0),
        ("20-cmdb", False, 3),
    ]
    assert ran["outcomes"][1]["summary"].endswith("cmdb unreachable")
    document = json.loads((tmp_path / "doc.json").read_text())
    assert (document["event"], document["machine"]["serial"]) == ("to-dns", "S1")
    assert (tmp_path / "ev").read_text().strip() == "to-dns"
    session.rollback()
    recorded = session.scalars(
        select(MachineEvent.message).where(MachineEvent.kind == "hook").order_by(MachineEvent.id)
    ).all()
    assert [m.split(":")[0] for m in recorded] == [
        "hook to-dns/10-dns ran",
        "hook to-dns/20-cmdb failed",
    ]


def test_refusals(hapi: Api, api: Api, hooks_dir: Path, session: Session) -> None:
    factories.machine(session, "S1")
    session.commit()
    missing = hapi.post("/api/v1/machines/S1/hooks/out-of-monitoring")
    assert missing.status_code == 409
    assert "no hook for out-of-monitoring" in missing.get_json()["error"]["message"]
    hook(hooks_dir, "enrolled", "10-dns", "exit 0")
    other = hapi.post("/api/v1/machines/S1/hooks/enrolled")  # not an on-demand event
    assert other.status_code == 404
    assert "to-dns" in other.get_json()["error"]["message"]
    hook(hooks_dir, "to-dns", "10-dns", "exit 0")
    assert hapi.post("/api/v1/machines/NOPE/hooks/to-dns").status_code == 404
    other_server = api.post("/api/v1/machines/S1/hooks/to-dns")  # its hooks_dir has none
    assert other_server.status_code == 409
    assert "nothing ran" in other_server.get_json()["error"]["message"]
