"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names so migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL plus a busy timeout lets
    # several server processes write without "database is locked" errors.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # Python's sqlite3 opens a transaction only before the first write, so the
    # reads before it see whatever was committed meanwhile and a read-modify-
    # write can lose another process's update. SQLAlchemy's recipe: let it
    # issue no BEGIN of its own, and begin ourselves when SQLAlchemy does.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    # A deferred BEGIN: a transaction whose snapshot went stale before its
    # first write fails with "database is locked" instead of overwriting,
    # and the writer retries (oci.transactions.run).
    connection.exec_driver_sql("BEGIN")


def _create_private(url: URL) -> None:
    """Create the SQLite file 0600 before sqlite3 does by the umask (0644): its rows
    hold token hashes and encrypted secrets. SQLite gives its WAL files the same mode."""
    path = url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    # An existing file is kept as it is; any other error is sqlite3's to report.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the per-backend settings every caller needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        parsed = make_url(url)
        event.listen(engine, "do_connect", lambda *_: _create_private(parsed))
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith(("mysql", "mariadb")):
        kwargs.setdefault("pool_recycle", 3600)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
