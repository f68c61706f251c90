"""``oci``: the server administrator's command (serve, database, users, lab)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from oci import migrate, users
from oci.config import ConfigError, Settings, load_settings
from oci.db import make_engine, make_sessionmaker
from oci.errors import OciError
from oci.vault import Vault, VaultError


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _prepare_data_dir(settings: Settings) -> None:
    if settings.database_url is None:
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
        except OSError as exc:
            raise click.ClickException(
                f"cannot create the data directory {settings.data_dir}: {exc.strerror}; "
                "set OCI_DATA_DIR or data_dir in the configuration file"
            ) from exc


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _session() -> Iterator[Session]:
    """One transaction on a database whose schema is current."""
    url = _settings().effective_database_url
    with _engine(url) as engine:
        _require_current_schema(engine, url)
        try:
            with make_sessionmaker(engine)() as session, session.begin():
                yield session
        except OciError as exc:
            raise click.ClickException(exc.message) from exc


@contextmanager
def _sessions() -> Iterator[sessionmaker[Session]]:
    """A session factory on a database whose schema is current, for work that
    commits in several transactions."""
    url = _settings().effective_database_url
    with _engine(url) as engine:
        _require_current_schema(engine, url)
        with _database_errors(url):
            try:
                yield make_sessionmaker(engine)
            except OciError as exc:
                raise click.ClickException(exc.message) from exc


def _first_line(exc: BaseException) -> str:
    """The gist of a database error: its driver's message, without SQLAlchemy's footer."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@contextmanager
def _database_errors(url: str) -> Iterator[None]:
    """Turn a failing database into one line naming it (password hidden), not a traceback."""
    try:
        yield
    except SQLAlchemyError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise click.ClickException(f"database {shown}: {_first_line(exc)}") from exc


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file ``url`` names if it does not exist (connecting would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def _require_current_schema(engine: Engine, url: str) -> None:
    missing = _missing_sqlite_file(url)
    if missing is not None:
        raise click.ClickException(f"there is no database at {missing}: run `oci db upgrade`")
    try:
        current = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot reach the database: {_first_line(exc)}") from exc
    head = migrate.head_revision(url)
    if current != head:
        raise click.ClickException(
            f"the database schema is at {current or 'nothing'}, not {head}: run `oci db upgrade`"
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oci")
def main() -> None:
    """Administer the oci server: its database, its users, and the server itself.

    Settings come from /etc/oci/oci.toml (or the file in OCI_CONFIG), then from
    OCI_* environment variables such as OCI_DATA_DIR and OCI_DATABASE_URL.
    """


@main.command()
@click.option("--host", help="Address to listen on [default: listen_host setting].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: listen_port].")
@click.option("--workers", type=click.IntRange(1, 64), help="Server processes [default: workers].")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the API server (gunicorn) in the foreground."""
    from oci.server import run

    settings = _settings()
    with _engine(settings.effective_database_url) as engine:
        _require_current_schema(engine, settings.effective_database_url)
    # Read or create the secret key once, before the workers start, so a bad
    # key file stops the server with a message instead of failing each worker.
    try:
        Vault.from_file(settings.effective_secret_key_file)
    except (VaultError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    run(
        settings,
        host=host or settings.listen_host,
        port=port or settings.listen_port,
        workers=workers or settings.workers,
    )


@main.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    settings = _settings()
    _prepare_data_dir(settings)
    url = settings.effective_database_url
    with _database_errors(url):
        migrate.upgrade(url, revision)
    click.echo(f"database at {migrate.head_revision(url)}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION ('base' removes every table)."""
    settings = _settings()
    url = settings.effective_database_url
    missing = _missing_sqlite_file(url)
    if missing is not None:
        raise click.ClickException(f"there is no database at {missing}")
    with _database_errors(url):
        migrate.downgrade(url, revision)
    click.echo(f"database downgraded to {revision}")


@db.command()
def current() -> None:
    """Print the schema revision of the database and the newest one known."""
    settings = _settings()
    url = settings.effective_database_url
    if _missing_sqlite_file(url) is not None:
        revision = None
    else:
        with _engine(url) as engine, _database_errors(url):
            revision = migrate.current_revision(engine)
    click.echo(f"current: {revision or 'none'}")
    click.echo(f"head: {migrate.head_revision(url)}")


@main.group()
def user() -> None:
    """Manage the users who may call the API."""


def _read_password(login: str) -> str:
    password = os.environ.get("OCI_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise click.ClickException("no password: set OCI_PASSWORD or run in a terminal")
    return click.prompt(f"Password for {login}", hide_input=True, confirmation_prompt=True)


@user.command("add")
@click.argument("login")
@click.option("--admin", is_flag=True, help="May change the inventory and read secrets.")
@click.option("--token", is_flag=True, help="Also create an API token and print it once.")
def user_add(login: str, admin: bool, token: bool) -> None:
    """Add user LOGIN; the password comes from OCI_PASSWORD or a prompt."""
    password = _read_password(login)
    with _session() as session:
        created = users.add_user(session, login, password, admin=admin)
        secret = users.create_token(session, created) if token else None
    click.echo(f"added {'admin' if admin else 'read-only'} user {login}")
    if secret:
        click.echo(f"API token (shown once, store it now): {secret}")


@user.command("token")
@click.argument("login")
def user_token(login: str) -> None:
    """Create another API token for LOGIN and print it once."""
    with _session() as session:
        secret = users.create_token(session, users.get_user(session, login))
    click.echo(secret)


@user.command("list")
def user_list() -> None:
    """List users."""
    with _session() as session:
        rows: list[Any] = users.list_users(session)
        for row in rows:
            kind = "admin" if row.is_admin else "read-only"
            click.echo(f"{row.login}\t{kind}\t{len(row.tokens)} token(s)")


@user.command("delete")
@click.argument("login")
def user_delete(login: str) -> None:
    """Delete user LOGIN and revoke their tokens."""
    with _session() as session:
        users.delete_user(session, login)
    click.echo(f"deleted user {login}")


@user.command("passwd")
@click.argument("login")
def user_passwd(login: str) -> None:
    """Set LOGIN's password from OCI_PASSWORD or a prompt."""
    password = _read_password(login)
    with _session() as session:
        users.set_password(session, login, password)
    click.echo(f"password of {login} changed")


@main.group()
def machine() -> None:
    """Work on the inventory's machines from the server side."""


@machine.command("reparse")
@click.argument("machines", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every machine that has a kept report.")
def machine_reparse(machines: tuple[str, ...], every: bool) -> None:
    """Read MACHINES' newest kept raw reports again with today's parsers.

    After a parser fix, this updates the inventory of machines that are not
    running the agent any more, without rebooting them. Hardware changes the
    new parse reveals are recorded as events. MACHINES are serials, host names,
    UUIDs or ids.

    \b
    Examples:
      oci machine reparse 5KXY123
      oci machine reparse --all
    """
    from sqlalchemy import select

    from oci.ingest.archive import unpack_report
    from oci.ingest.report import parse_report
    from oci.inventory import IdentityConflict, machine_by_key, reparse
    from oci.models import DiscoveryReport

    if every == bool(machines):
        raise click.UsageError("give MACHINE serials or --all (not both)")

    def parse(archive: bytes) -> tuple[dict[str, str], Any]:
        files = unpack_report(archive)
        return files, parse_report(files)

    with _sessions() as factory:
        with factory() as session:
            if every:
                ids = list(
                    session.scalars(
                        select(DiscoveryReport.machine_id)
                        .distinct()
                        .order_by(DiscoveryReport.machine_id)
                    )
                )
            else:
                ids = [machine_by_key(session, key).id for key in machines]
        failed = 0
        with click.progressbar(ids, label="reparsing", file=sys.stderr) as bar:
            for machine_id in bar:
                try:
                    changes = reparse(factory, machine_id, parse)
                except IdentityConflict as exc:
                    failed += 1
                    click.echo(f"\nmachine {machine_id}: {exc.message}", err=True)
                    continue
                if changes is None:
                    click.echo(f"\nmachine {machine_id}: no kept report", err=True)
                for change in changes or ():
                    click.echo(f"\nmachine {machine_id}: {change.message}", err=True)
    click.echo(
        f"reparsed {len(ids) - failed} machine(s)" + (f", {failed} failed" if failed else "")
    )
    if failed:
        sys.exit(1)


@main.command("ssh-key")
def ssh_key() -> None:
    """Print the server's SSH public key (made on first use), which the live
    image authorises for root: oci logs in with it to install machines."""
    from oci.remote import server_key

    path = _settings().ssh_key_file
    server_key(path)
    click.echo(path.with_suffix(".pub").read_text().strip())


def _register_lab() -> None:
    from oci.lab.command import lab
    from oci.pki_command import pki

    main.add_command(lab)
    main.add_command(pki)


_register_lab()


def _register_boot() -> None:
    from oci.live_command import live_image_group
    from oci.pxe.command import pxe

    main.add_command(live_image_group)
    main.add_command(pxe)


_register_boot()
