"""Operators' hooks (oci.hooks) run by the API's writes: real executables in a
hooks folder, run after the commit with the machine's document on stdin, their
outcome a machine event; failing, slow or rolled back, the machine goes on."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oci import transactions
from oci.api.app import create_app
from oci.config import Settings
from oci.errors import Conflict
from oci.inventory.status import change_status
from oci.models import Machine, MachineEvent, MachineStatus
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Credentials, Database
from tests.helpers.enrolment import add, make_cluster, ok

TIME_LIMIT = 2.0  # the slow hook is killed after this
DEADLINE = 10.0  # seconds a test waits for an outcome; far more than any should take


@pytest.fixture
def hooks_dir(tmp_path: Path) -> Path:
    return tmp_path / "hooks.d"


@pytest.fixture
def hooked_app(settings: Settings, hooks_dir: Path) -> Iterator[Flask]:
    changed = settings.model_copy(update={"hooks_dir": hooks_dir, "hook_timeout": TIME_LIMIT})
    application = create_app(changed)
    application.config["TESTING"] = True
    yield application
    # The hooks still running finish before the database is wiped.
    application.extensions["oci_hooks"].shutdown(wait=True)
    application.extensions["oci_engine"].dispose()


@pytest.fixture
def hapi(hooked_app: Flask, admin: Credentials) -> Api:
    return Api(hooked_app.test_client(), admin)


def hook(hooks_dir: Path, event: str, name: str, body: str) -> Path:
    path = hooks_dir / event / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def wait_for(what: Callable[[], Any], why: str) -> Any:
    """``what()`` once it is truthy; a deadline, not a fixed sleep."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        found = what()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"waited {DEADLINE} s for {why}")


def outcomes(database: Database, count: int) -> list[MachineEvent]:
    def rows() -> list[MachineEvent]:
        with database.sessions() as session:
            found = session.scalars(
                select(MachineEvent).where(MachineEvent.kind == "hook").order_by(MachineEvent.id)
            ).all()
        return list(found) if len(found) >= count else []

    return list(wait_for(rows, f"{count} hook outcome event(s)"))


def move(api: Api, serial: str, *states: str) -> None:
    for state in states:
        ok(api.post(f"/api/v1/machines/{serial}/status", json={"status": state}))


def test_enrolled_hooks_read_the_machine_in_order(
    hapi: Api, session: Session, database: Database, hooks_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    hook(hooks_dir, "enrolled", "20-env", f'env > {out}/env; echo "$#" > {out}/argc')
    hook(hooks_dir, "enrolled", "10-record", f"cat > {out}/doc.json; echo 10 >> {out}/order")
    # Not run: a run-parts backup name, and a file that is not executable.
    hook(hooks_dir, "enrolled", "10-record.dpkg-old", f"echo old >> {out}/order")
    (hooks_dir / "enrolled" / "30-plain").write_text(f"#!/bin/sh\necho plain >> {out}/order\n")
    make_cluster(hapi, session)
    enrolment = ok(add(hapi, "S1"), 201)

    events = outcomes(database, 2)
    assert [e.details["hook"] for e in events] == ["10-record", "20-env"]
    assert all(e.details["exit_status"] == 0 and not e.details["timed_out"] for e in events)
    assert events[0].message.startswith("hook enrolled/10-record ran: exit 0 (")
    assert (out / "order").read_text() == "10\n"
    document = json.loads((out / "doc.json").read_text())
    assert document["event"] == "enrolled" and document["version"] == 1
    machine = document["machine"]
    assert machine["serial"] == "S1" and machine["hostname"] == enrolment["hostname"]
    assert (machine["cluster"], machine["role"], machine["location"]) == (
        "cl1",
        "controller",
        "zone1",
    )
    assert {"network": "mgmt", "address": "192.168.101.2"} in machine["addresses"]
    assert "password" not in (out / "doc.json").read_text().lower()
    # No argument; an environment of our own, nothing of the server's.
    assert (out / "argc").read_text() == "0\n"
    names = {line.split("=", 1)[0] for line in (out / "env").read_text().splitlines()}
    assert "OCI_HOOK_EVENT" in names and "PATH" in names
    assert not {n for n in names if n.startswith("OCI_") and n != "OCI_HOOK_EVENT"}
    assert "OCI_HOOK_EVENT=enrolled" in (out / "env").read_text()


def test_status_hooks_fail_and_time_out_without_holding_the_machine(
    hapi: Api, session: Session, database: Database, hooks_dir: Path, tmp_path: Path
) -> None:
    factories.machine(session, "S1")
    session.commit()
    hook(hooks_dir, "installed", "10-fail", "echo starting; echo 'no vault here' >&2; exit 3")
    pidfile = tmp_path / "sleeper.pid"
    hook(hooks_dir, "puppet-failure", "10-slow", f"sleep 60 & echo $! > {pidfile}; wait")
    hook(hooks_dir, "puppet-success", "10-ok", f"cat > {tmp_path}/success.json")

    move(hapi, "S1", "installing", "installed", "firstboot", "puppet-running")
    failed = outcomes(database, 1)[0]
    assert failed.details["exit_status"] == 3 and not failed.details["timed_out"]
    assert failed.details["stderr"] == "no vault here\n"
    assert failed.message.startswith("hook installed/10-fail failed: exit 3 (")
    assert failed.message.endswith("): no vault here")

    move(hapi, "S1", "puppet-failure")
    # The answer came before the hook, which sleeps until it is killed.
    assert len(outcomes(database, 1)) == 1
    move(hapi, "S1", "puppet-running", "puppet-success")
    events = outcomes(database, 3)
    slow, success = events[1], events[2]
    assert slow.details["timed_out"] and slow.details["exit_status"] is None
    assert TIME_LIMIT <= slow.details["duration"] < DEADLINE
    assert "killed after" in slow.message and "over its time limit" in slow.message
    # Killed with its process group: the child it left sleeping is gone too.
    sleeper = Path(f"/proc/{pidfile.read_text().strip()}/stat")
    wait_for(lambda: not sleeper.exists() or sleeper.read_text().split()[2] == "Z", "the kill")
    assert success.details["exit_status"] == 0
    document = json.loads((tmp_path / "success.json").read_text())
    assert document["event"] == "puppet-success"
    assert document["previous_status"] == "puppet-running"
    assert document["machine"]["status"] == "puppet-success"

    session.expire_all()
    machine = session.scalar(select(Machine).where(Machine.serial == "S1"))
    assert machine is not None and machine.status is MachineStatus.PUPPET_SUCCESS


def test_removed_and_destroyed(
    hapi: Api,
    session: Session,
    database: Database,
    hooks_dir: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook(hooks_dir, "removed", "10-dns", f'cat > {tmp_path}/"$(date +%s%N)".json; exit 1')
    make_cluster(hapi, session)
    ok(add(hapi, "S1"), 201)
    ok(add(hapi, "S2"), 201)
    assert hapi.delete("/api/v1/machines/S1/enrolment").status_code == 204
    removed = outcomes(database, 1)[0]
    assert removed.details["exit_status"] == 1
    with database.sessions() as fresh:
        kept = fresh.get(Machine, removed.machine_id)
        assert kept is not None and kept.serial == "S1"

    with caplog.at_level(logging.INFO, logger="oci.hooks.dispatch"):
        assert hapi.delete("/api/v1/machines/S2").status_code == 204
        # No machine row to hold the outcome: it is logged.
        logged = wait_for(
            lambda: [r.getMessage() for r in caplog.records if "(gone)" in r.getMessage()],
            "the destroyed machine's outcome in the log",
        )
    assert len(logged) == 1
    assert logged[0].startswith("machine S2 (gone): hook removed/10-dns failed: exit 1 (")
    documents = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]
    assert [(d["machine"]["serial"], d["destroyed"]) for d in documents] == [
        ("S1", False),
        ("S2", True),
    ]
    # As each was in its cluster, before it left.
    assert all(d["machine"]["hostname"] and d["machine"]["addresses"] for d in documents)


def test_a_rolled_back_write_runs_no_hook(
    hooked_app: Flask, session: Session, database: Database, hooks_dir: Path, tmp_path: Path
) -> None:
    factories.machine(session, "S1", status=MachineStatus.INSTALLING)
    session.commit()
    hook(hooks_dir, "installed", "10-count", f"echo run >> {tmp_path}/runs")
    factory = hooked_app.extensions["oci_sessionmaker"]

    def refused(s: Session) -> None:
        change_status(s, "S1", MachineStatus.INSTALLED)
        raise Conflict("changed my mind")

    with pytest.raises(Conflict):
        transactions.run(factory, refused)
    attempts = []

    def lost_a_race_once(s: Session) -> None:
        change_status(s, "S1", MachineStatus.INSTALLED)
        attempts.append(1)
        if len(attempts) == 1:
            raise IntegrityError("INSERT", {}, Exception("unique violation"))

    transactions.run(factory, lost_a_race_once)
    assert len(attempts) == 2
    # One outcome: the retried transaction's; the refused and the lost one ran none.
    assert len(outcomes(database, 1)) == 1
    hooked_app.extensions["oci_hooks"].shutdown(wait=True)
    assert (tmp_path / "runs").read_text() == "run\n"
    assert len(outcomes(database, 1)) == 1
