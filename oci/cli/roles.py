"""ocicli: roles: list and show."""

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


@commands.command("role-list")
@output_options()
@click.pass_context
def role_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List the roles a machine can take."""
    list_and_emit(ctx, "roles", fmt, columns, ("name", "description"))


@commands.command("role-show")
@click.argument("name", shell_complete=completer("roles"))
@output_options()
@click.pass_context
def role_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show role NAME."""
    emit_object(client_from(ctx).get(P("roles", name)), fmt, columns)
