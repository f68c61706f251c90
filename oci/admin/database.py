"""``oci db``: create and migrate the database schema (Alembic)."""

from __future__ import annotations

import click

from oci import migrate
from oci.admin import context
from oci.enrolment import keys
from oci.security.vault import Vault


@click.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the schema up to REVISION (default: the newest).

    At the newest, it then gives clusters the secrets they lack and enrolled
    machines their root SSH key pairs: values encrypted with the server's key,
    which the migrations do not have. Running it again adds nothing."""
    settings = context.settings()
    context.prepare_data_dir(settings)
    url = settings.effective_database_url
    with context.database_errors(url):
        migrate.upgrade(url, revision)
        with context.engine(url) as bound:
            current = migrate.current_revision(bound)
    click.echo(f"database at {current}")
    if current != migrate.head_revision(url):
        return
    with context.session() as session:
        filled = keys.fill(session, lambda: Vault.from_file(settings.effective_secret_key_file))
    if filled.secrets or filled.key_pairs:
        click.echo(f"filled in: {filled.summary()}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION ('base' removes every table)."""
    settings = context.settings()
    url = settings.effective_database_url
    missing = context.missing_sqlite_file(url)
    if missing is not None:
        raise click.ClickException(f"there is no database at {missing}")
    with context.database_errors(url):
        migrate.downgrade(url, revision)
    click.echo(f"database downgraded to {revision}")


@db.command()
def current() -> None:
    """Print the schema revision of the database and the newest one known."""
    settings = context.settings()
    url = settings.effective_database_url
    if context.missing_sqlite_file(url) is not None:
        revision = None
    else:
        with context.engine(url) as engine, context.database_errors(url):
            revision = migrate.current_revision(engine)
    click.echo(f"current: {revision or 'none'}")
    click.echo(f"head: {migrate.head_revision(url)}")
