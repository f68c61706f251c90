"""ocicli: swift regions: create, list, show, delete."""

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


@commands.command("swift-region-create")
@click.argument("name")
@output_options()
@click.pass_context
def swift_region_create(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Create Swift region NAME."""
    emit_object(client_from(ctx).post(P("swift-regions"), {"name": name}), fmt, columns)


@commands.command("swift-region-list")
@output_options()
@click.pass_context
def swift_region_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List Swift regions."""
    list_and_emit(ctx, "swift-regions", fmt, columns, ("name",))


@commands.command("swift-region-show")
@click.argument("name", shell_complete=completer("swift-regions"))
@output_options()
@click.pass_context
def swift_region_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show Swift region NAME."""
    emit_object(client_from(ctx).get(P("swift-regions", name)), fmt, columns)


@commands.command("swift-region-delete")
@click.argument("name", shell_complete=completer("swift-regions"))
@click.pass_context
def swift_region_delete(ctx: click.Context, name: str) -> None:
    """Delete Swift region NAME (it must have no locations)."""
    client_from(ctx).delete(P("swift-regions", name))
    click.echo(f"deleted Swift region {name}")
