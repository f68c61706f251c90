"""oci.transactions: a write transaction holds the database from its first statement."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oci import transactions
from oci.errors import Conflict
from oci.models import SwiftRegion
from tests.helpers.database import Database


def test_sqlite_write_lock_is_taken_at_begin(database: Database) -> None:
    if database.backend != "sqlite":
        pytest.skip("SQLite only: the other backends lock rows with SELECT ... FOR UPDATE")
    path = Path(database.engine.url.database or "")
    with database.sessions() as session:
        transactions.begin(session)
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            session.rollback()
            other.execute("BEGIN IMMEDIATE")  # free again once the transaction ends
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_run_retries_a_lost_race_and_not_a_refusal(database: Database) -> None:
    calls: list[int] = []

    def loses_once(session: Session) -> str:
        calls.append(1)
        session.add(SwiftRegion(name="r1"))
        if len(calls) == 1:
            session.add(SwiftRegion(name="r1"))  # a duplicate, as a racing request makes
        session.flush()
        return "done"

    assert transactions.run(database.sessions, loses_once) == "done"
    assert len(calls) == 2

    def refuses(session: Session) -> None:
        calls.append(1)
        session.add(SwiftRegion(name="r2"))
        session.flush()
        raise Conflict("no")

    with pytest.raises(Conflict):
        transactions.run(database.sessions, refuses)
    assert len(calls) == 3
    with database.sessions() as session:
        assert sorted(
            session.scalars(SwiftRegion.__table__.select().with_only_columns(SwiftRegion.name))
        ) == ["r1"]


def test_run_gives_up_after_its_attempts(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transactions, "ATTEMPTS", 3)
    calls: list[int] = []

    def always_loses(session: Session) -> None:
        calls.append(1)
        session.add_all([SwiftRegion(name="same"), SwiftRegion(name="same")])
        session.flush()

    with pytest.raises(IntegrityError):
        transactions.run(database.sessions, always_loses)
    assert len(calls) == 3
