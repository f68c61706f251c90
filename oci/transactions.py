"""Transactions that race with other server processes, retried until one wins.

Address allocation and role counters rely on the database, never on a lock in
one process: rows are locked (SELECT ... FOR UPDATE on PostgreSQL and MariaDB;
BEGIN IMMEDIATE on SQLite, which has one writer at a time) and unique
constraints catch anything that slips through. A transaction that loses a
race (unique violation, deadlock, lock timeout, "database is locked") is
rolled back whole and run again from the start.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 30
# Any table will do for the SQLite write lock; this one is small and always there.
WRITE_LOCK_TABLE = "role_counters"
# Words of the errors a concurrent transaction causes on each backend.
_TRANSIENT = (
    "database is locked",  # SQLite
    "deadlock",  # PostgreSQL 40P01, MariaDB 1213
    "lock wait timeout",  # MariaDB 1205
    "could not serialize",  # PostgreSQL 40001
    "record has changed since last read",  # MariaDB 1020
)


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, OperationalError) and any(
        word in str(exc.orig).lower() for word in _TRANSIENT
    )


def begin(session: Session) -> None:
    """Start the transaction so that what it reads stays true until it commits."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # Take the write lock now (waiting up to busy_timeout), not at the first
        # real write, when a snapshot read earlier may already be stale. A write
        # that changes nothing takes it, whether the transaction was begun by
        # the driver or by an engine "begin" hook; BEGIN IMMEDIATE would fail
        # inside a transaction already begun.
        session.execute(text(f"UPDATE {WRITE_LOCK_TABLE} SET id = id WHERE 1 = 0"))
    else:
        # MariaDB defaults to REPEATABLE READ, whose plain reads would not see a
        # row committed after the first read; rows locked FOR UPDATE serialise us.
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})


def run(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """``work(session)`` in a transaction of its own, committed; retried when it lost a race.

    Domain errors (oci.errors) raised by ``work`` roll back and propagate at once.
    """
    for attempt in range(1, ATTEMPTS + 1):
        with factory() as session:
            try:
                begin(session)
                result = work(session)
                session.commit()
                return result
            except (IntegrityError, OperationalError) as exc:
                session.rollback()
                if attempt == ATTEMPTS or not is_transient(exc):
                    raise
                log.info("transaction lost a race (attempt %d), retrying: %s", attempt, exc.orig)
            # Random backoff, growing: the racers do not meet again at once.
        time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 7)))
    raise AssertionError("unreachable")
