"""``oci machine`` and ``oci ssh-key``: machines seen from the server side."""

from __future__ import annotations

import sys
from typing import Any

import click

from oci.admin import context


@click.group()
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
    from oci.inventory.machines import IdentityConflict, machine_by_key, reparse
    from oci.models import DiscoveryReport

    if every == bool(machines):
        raise click.UsageError("give MACHINE serials or --all (not both)")

    def parse(archive: bytes) -> tuple[dict[str, str], Any]:
        files = unpack_report(archive)
        return files, parse_report(files)

    with context.sessions() as factory:
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


@click.command("ssh-key")
def ssh_key() -> None:
    """Print the server's SSH public key (made on first use), which the live
    image authorises for root: oci logs in with it to install machines."""
    from oci.remote import server_key

    path = context.settings().ssh_key_file
    server_key(path)
    click.echo(path.with_suffix(".pub").read_text().strip())
