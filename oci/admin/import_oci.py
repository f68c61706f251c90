"""``oci import-oci``: move an OCI server's MariaDB inventory into ours."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from oci import transactions
from oci.admin import context
from oci.errors import OciError
from oci.importer.apply import Outcome, apply_plan
from oci.importer.mapping import MachineRecord, Plan, Unmappable, map_snapshot
from oci.importer.read import OciReadError, read_database
from oci.models import Role
from oci.security.vault import Vault


def _say(text: str) -> None:
    click.echo(text, err=True)


def _vault(path: Path, dry_run: bool) -> Vault:
    """Our key; a dry run on a server without one uses a throwaway key (nothing to read)."""
    if dry_run and not path.exists():
        return Vault(Fernet.generate_key())
    return Vault.from_file(path)


def _print_plan(plan: Plan, outcome: Outcome, dry_run: bool) -> None:
    verb = "would" if dry_run else "did"
    for line in outcome.changes:
        click.echo(f"{verb}: {line}")
    for line in plan.skipped:
        click.echo(f"skipped: {line}")
    if not outcome.changes:
        click.echo(
            f"nothing to do: the {len(plan.machines)} machine(s) and "
            f"{len(plan.clusters)} cluster(s) of OCI are already in oci as they are there"
        )
    else:
        click.echo(
            f"{'dry run: ' if dry_run else ''}{len(outcome.changes)} change(s), "
            f"{outcome.unchanged} row(s) already as in OCI"
            + ("; nothing written" if dry_run else "")
        )


@click.command("import-oci")
@click.argument("url", envvar="OCI_IMPORT_URL")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def import_oci(url: str, dry_run: bool) -> None:
    """Import a running OCI's inventory from its MariaDB database at URL.

    Swift regions, locations, networks, clusters and their options and
    passwords, machines with their hardware, roles, host names, addresses and
    IPMI credentials, and the clusters' VIPs. Passwords are re-encrypted with
    this server's key. What oci cannot express is refused, naming it, and
    nothing is written; running it again changes nothing. URL may come from
    the environment variable OCI_IMPORT_URL instead, which keeps its password
    out of the process list.

    \b
    Example (the password read without echo, never on a command line):
      read -rs PASS
      OCI_IMPORT_URL="mysql+pymysql://oci:$PASS@oci-server/oci" oci import-oci --dry-run
      OCI_IMPORT_URL="mysql+pymysql://oci:$PASS@oci-server/oci" oci import-oci
    """
    shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
    _say(f"reading OCI's database {shown} ...")
    try:
        snapshot = read_database(url, lambda table, n: _say(f"  {table}: {n} row(s)"))
    except OciReadError as exc:
        raise click.ClickException(str(exc)) from exc
    except (SQLAlchemyError, ImportError) as exc:
        raise click.ClickException(f"cannot read {shown}: {context.first_line(exc)}") from exc

    settings = context.settings()
    context.prepare_data_dir(settings)
    with context.sessions() as factory, factory() as session:
        try:
            transactions.begin(session)
            roles = list(session.scalars(select(Role.name)))
            plan = map_snapshot(snapshot, roles)
            vault = _vault(settings.effective_secret_key_file, dry_run)
            with click.progressbar(
                length=len(plan.machines), label="machines", file=sys.stderr
            ) as bar:

                def progress(items: Iterable[MachineRecord]) -> Iterator[MachineRecord]:
                    for item in items:
                        yield item
                        bar.update(1)

                outcome = apply_plan(session, plan, vault, progress)
            if dry_run:
                session.rollback()
            else:
                session.commit()
        except Unmappable as exc:
            session.rollback()
            for problem in exc.problems:
                click.echo(f"cannot import: {problem}", err=True)
            raise click.ClickException(
                f"{len(exc.problems)} thing(s) in OCI's database cannot be mapped "
                "into oci; nothing written"
            ) from exc
        except OciError as exc:
            session.rollback()
            raise click.ClickException(f"{exc.message}; nothing written") from exc
        except SQLAlchemyError as exc:
            session.rollback()
            raise click.ClickException(
                f"cannot write: {context.first_line(exc)}; nothing written"
            ) from exc
    _print_plan(plan, outcome, dry_run)
