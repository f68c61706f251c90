"""A machine deleted or changed while a writer waits for its row lock: a 404 (not a
500), and the row as the lock found it (not as the lookup before it saw it).

The write storm (tests/api/test_write_storm.py) found the 500 on MariaDB: POST
/machines/S2/status found S2, then waited for its lock while machine-replace
deleted S2; the locked read came back empty and ``.one()`` raised (an internal
error). machine-replace and the machine commands (root password, addresses,
report counter) asserted instead. Here the deletion (or change) is put exactly there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from oci.enrolment import replace
from oci.errors import NotFound
from oci.inventory import machines as inventory
from oci.inventory.status import change_status
from oci.models import Machine, MachineStatus
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Database

CALLERS: dict[str, Callable[[Session], Any]] = {
    "machine status": lambda s: change_status(s, "S1", MachineStatus.INSTALLING),
    "machine-replace": lambda s: replace.replace_machine(s, "S1", "S2"),
}


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_a_machine_deleted_while_its_lock_is_awaited_is_not_found(
    caller: str, database: Database, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.backend == "sqlite":
        pytest.skip(
            "one writer at a time: a write holds SQLite's lock from its start "
            "(oci.transactions.begin), so nothing deletes the machine before its lock"
        )
    for serial in ("S1", "S2"):
        factories.machine(session, serial)
    session.commit()
    found_by_key = inventory.machine_by_key

    def found_then_deleted(s: Session, key: str, *options: Any) -> Machine:
        found = found_by_key(s, key, *options)
        if key == "S1":  # another request deletes it and commits, before our lock
            with database.sessions() as other:
                row = other.get(Machine, found.id)
                if row is not None:
                    other.delete(row)
                    other.commit()
        return found

    monkeypatch.setattr(inventory, "machine_by_key", found_then_deleted)
    with database.sessions() as s, pytest.raises(NotFound, match="'S1' was deleted meanwhile"):
        CALLERS[caller](s)


def test_a_machine_changed_while_its_lock_is_awaited_is_read_again(
    database: Database, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.backend == "sqlite":
        pytest.skip("one writer at a time: nothing changes the machine before its lock")
    factories.machine(session, "S1")
    session.commit()
    found_by_key = inventory.machine_by_key

    def found_then_changed(s: Session, key: str, *options: Any) -> Machine:
        found = found_by_key(s, key, *options)
        with database.sessions() as other:  # a report counted, committed before our lock
            row = other.get(Machine, found.id)
            assert row is not None
            row.discovery_count = 7
            other.commit()
        return found

    monkeypatch.setattr(inventory, "machine_by_key", found_then_changed)
    with database.sessions() as s:
        assert inventory.locked_machine_by_key(s, "S1").discovery_count == 7


@pytest.mark.parametrize(
    "path", ["raid/reset", "ipmi/renew-password", "hpe/ipmi-over-lan", "report-counter/reset"]
)
def test_a_run_on_a_machine_deleted_before_its_lock_is_a_404(
    path: str, api: Api, database: Database, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.backend == "sqlite":
        pytest.skip("one writer at a time: nothing deletes the machine before its lock")
    factories.machine(session, "S1")
    session.commit()
    found_by_key = inventory.machine_by_key

    def found_then_deleted(s: Session, key: str, *options: Any) -> Machine:
        found = found_by_key(s, key, *options)
        with database.sessions() as other:
            row = other.get(Machine, found.id)
            if row is not None:
                other.delete(row)
                other.commit()
        return found

    monkeypatch.setattr(inventory, "machine_by_key", found_then_deleted)
    answer = api.post(f"/api/v1/machines/S1/{path}")
    assert answer.status_code == 404, answer.get_json()
    assert "was deleted meanwhile" in answer.get_json()["error"]["message"]
