"""ocicli: locations (availability zones in a Swift region): create, list, show, delete."""

from __future__ import annotations

import click

from oci.cli.client import ApiClient
from oci.cli.context import (
    CommandSet,
    client_from,
    completer,
    emit_object,
    list_and_emit,
    output_options,
)

commands = CommandSet()

P = ApiClient.path


@commands.command("location-create")
@click.argument("name")
@click.argument("swift_region", metavar="SWIFTREGION", shell_complete=completer("swift-regions"))
@output_options()
@click.pass_context
def location_create(
    ctx: click.Context, name: str, swift_region: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Create location NAME in SWIFTREGION."""
    body = {"name": name, "swift_region": swift_region}
    emit_object(client_from(ctx).post(P("locations"), body), fmt, columns)


@commands.command("location-list")
@output_options()
@click.pass_context
def location_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List locations."""
    list_and_emit(ctx, "locations", fmt, columns, ("name", "swift_region"))


@commands.command("location-show")
@click.argument("name", shell_complete=completer("locations"))
@output_options()
@click.pass_context
def location_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show location NAME."""
    emit_object(client_from(ctx).get(P("locations", name)), fmt, columns)


@commands.command("location-delete")
@click.argument("name", shell_complete=completer("locations"))
@click.pass_context
def location_delete(ctx: click.Context, name: str) -> None:
    """Delete location NAME (it must have no networks and no machines)."""
    client_from(ctx).delete(P("locations", name))
    click.echo(f"deleted location {name}")
