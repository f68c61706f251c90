"""What every `oci` command shares: settings, the data directory, database sessions.

Errors become one line (`click.ClickException`) naming what to do, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from oci import migrate
from oci.config import ConfigError, Settings, load_settings
from oci.db import make_engine, make_sessionmaker
from oci.errors import OciError


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def prepare_data_dir(settings: Settings) -> None:
    if settings.database_url is None:
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
        except OSError as exc:
            raise click.ClickException(
                f"cannot create the data directory {settings.data_dir}: {exc.strerror}; "
                "set OCI_DATA_DIR or data_dir in the configuration file"
            ) from exc


@contextmanager
def engine(url: str) -> Iterator[Engine]:
    made = make_engine(url)
    try:
        yield made
    finally:
        made.dispose()


@contextmanager
def session() -> Iterator[Session]:
    """One transaction on a database whose schema is current."""
    url = settings().effective_database_url
    with engine(url) as bound:
        require_current_schema(bound, url)
        try:
            with make_sessionmaker(bound)() as opened, opened.begin():
                yield opened
        except OciError as exc:
            raise click.ClickException(exc.message) from exc


@contextmanager
def sessions() -> Iterator[sessionmaker[Session]]:
    """A session factory on a database whose schema is current, for work that
    commits in several transactions."""
    url = settings().effective_database_url
    with engine(url) as bound:
        require_current_schema(bound, url)
        with database_errors(url):
            try:
                yield make_sessionmaker(bound)
            except OciError as exc:
                raise click.ClickException(exc.message) from exc


def first_line(exc: BaseException) -> str:
    """The gist of a database error: its driver's message, without SQLAlchemy's footer."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn a failing database into one line naming it (password hidden), not a traceback."""
    try:
        yield
    except SQLAlchemyError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise click.ClickException(f"database {shown}: {first_line(exc)}") from exc


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file ``url`` names if it does not exist (connecting would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def require_current_schema(bound: Engine, url: str) -> None:
    missing = missing_sqlite_file(url)
    if missing is not None:
        raise click.ClickException(f"there is no database at {missing}: run `oci db upgrade`")
    try:
        current = migrate.current_revision(bound)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot reach the database: {first_line(exc)}") from exc
    head = migrate.head_revision(url)
    if current != head:
        raise click.ClickException(
            f"the database schema is at {current or 'nothing'}, not {head}: run `oci db upgrade`"
        )
