"""ocicli: a machine's root password (OCI's machine-gen-root-pass, -forget-root-pass)."""

from __future__ import annotations

import click

from oci.cli.client import ApiClient
from oci.cli.context import CommandSet, client_from, completer, emit_object, output_options

commands = CommandSet()
P = ApiClient.path


@commands.command("machine-gen-root-pass")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@click.option("--address", help="SSH to this address [default: its first cluster address].")
@click.option("--port", type=click.IntRange(1, 65535), help="SSH port [default: live_ssh_port].")
@output_options()
@click.pass_context
def machine_gen_root_pass(
    ctx: click.Context,
    machine: str,
    address: str | None,
    port: int | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Make a new random root password for MACHINE and show it, this once.

    MACHINE must be in a cluster: the password goes with its host name, and
    machine-remove forgets it. oci keeps it encrypted and never shows it again.
    An installed machine gets it at once, over SSH (chpasswd, the password on
    its stdin); every machine-install-os sets it in the new system. "applied"
    says which. Running it again replaces it. There is no way to give a
    password of your own: it would show in ps and the shell's history.

    \b
    Examples:
      ocicli machine-gen-root-pass S1
      ocicli machine-gen-root-pass S1 -f value -c root_password | site-vault store S1
    """
    body: dict[str, object] = {}
    if address is not None:
        body["address"] = address
    if port is not None:
        body["port"] = port
    made = client_from(ctx).post(P("machines", machine, "root-password"), body)
    emit_object(made, fmt, columns)


@commands.command("machine-forget-root-pass")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@click.pass_context
def machine_forget_root_pass(ctx: click.Context, machine: str) -> None:
    """Forget MACHINE's root password: the next install sets none (root logs in by
    SSH key only). A system installed already keeps the password it has."""
    client_from(ctx).delete(P("machines", machine, "root-password"))
    click.echo(f"forgot the root password of machine {machine}")
