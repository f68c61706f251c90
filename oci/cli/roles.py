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


@commands.command("role-create")
@click.argument("name")
@click.option("--description", default="", help="What the role is for.")
@output_options()
@click.pass_context
def role_create(
    ctx: click.Context, name: str, description: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Create role NAME (OCI's role-create); Puppet classifies its machines oci::NAME,
    which your Puppet code provides."""
    body = {"name": name, "description": description}
    emit_object(client_from(ctx).post(P("roles"), body), fmt, columns)


@commands.command("role-delete")
@click.argument("name", shell_complete=completer("roles"))
@click.pass_context
def role_delete(ctx: click.Context, name: str) -> None:
    """Delete role NAME: one you created, that no machine or network uses."""
    client_from(ctx).delete(P("roles", name))
    click.echo(f"deleted role {name}")
