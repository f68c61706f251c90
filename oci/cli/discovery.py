"""ocicli commands for what discovery saw: events and the raw reports kept."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from oci.cli.client import ApiClient
from oci.cli.context import (
    CommandSet,
    client_from,
    completer,
    list_and_emit,
    output_options,
)

commands = CommandSet()

P = ApiClient.path

EVENT_COLUMNS = ("created_at", "serial", "kind", "message")
REPORT_COLUMNS = ("id", "received_at", "source", "size_bytes", "problems")


@commands.command("event-list")
@click.option(
    "--machine", shell_complete=completer("machines", "serial"), help="Only this machine's."
)
@click.option("--kind", help="Only events of this kind: disk-added, identity-conflict, ...")
@output_options()
@click.pass_context
def event_list(
    ctx: click.Context, fmt: str, columns: tuple[str, ...], machine: str | None, kind: str | None
) -> None:
    """List what discovery saw happen, newest first: machines discovered,
    disks, NICs or GPUs added, removed or replaced, memory or CPU changed,
    identity conflicts.

    \b
    Examples:
      ocicli event-list --machine 5KXY123
      ocicli event-list --kind identity-conflict -f json
    """
    list_and_emit(ctx, "events", fmt, columns, EVENT_COLUMNS, machine=machine, kind=kind)


@commands.command("machine-report-list")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_report_list(
    ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """List the raw discovery reports kept for MACHINE, newest first."""
    list_and_emit(ctx, ("machines", machine, "reports"), fmt, columns, REPORT_COLUMNS)


@commands.command("machine-report-get")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@click.argument("report_id", required=False, type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the archive here (default: stdout, when it is not a terminal).",
)
@click.pass_context
def machine_report_get(
    ctx: click.Context, machine: str, report_id: int | None, output: Path | None
) -> None:
    """Download a raw report of MACHINE (the newest without REPORT_ID) as the
    gzip tar the agent sent: unpack it to see the tools' outputs, or replay it.

    \b
    Example:
      ocicli machine-report-get 5KXY123 -o r.tar.gz
      mkdir r && tar -xzf r.tar.gz -C r && oci-agent --replay r --server URL
    """
    api = client_from(ctx)
    if report_id is None:
        page = api.get(P("machines", machine, "reports"), limit=1)
        if not page["items"]:
            raise click.ClickException(f"machine {machine} has no kept report")
        report_id = page["items"][0]["id"]
    data = api.download(P("machines", machine, "reports", str(report_id)))
    if output is not None:
        output.write_bytes(data)
    elif sys.stdout.isatty():
        raise click.UsageError("the report is binary: give -o FILE or redirect stdout")
    else:
        sys.stdout.buffer.write(data)
