"""ocicli: a machine's addresses, chosen by hand (OCI's machine-ip-add/-list/-remove)."""

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

IP_COLUMNS = ("network", "address", "purpose")


@commands.command("machine-ip-list")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_ip_list(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
    """List the addresses MACHINE holds, by network: its own (host) and its BMC's (bmc).

    MACHINE is a serial, host name, system UUID or id.

    \b
    Example: ocicli machine-ip-list CZ2041XYZ7 -f value -c address
    """
    list_and_emit(ctx, ("machines", machine, "ip-addresses"), fmt, columns, IP_COLUMNS)


@commands.command("machine-ip-add")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@click.argument("network", shell_complete=completer("networks"))
@click.argument("address")
@output_options()
@click.pass_context
def machine_ip_add(
    ctx: click.Context,
    machine: str,
    network: str,
    address: str,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Give MACHINE the address ADDRESS on NETWORK, a network of its cluster.

    For a network machine-add gave it no address on (one its role does not
    use). The address must be
    free and a usable host address of NETWORK (not its network, broadcast or
    gateway address); NETWORK must not be public (it holds the VIPs). One
    address per machine per network. The installer, the ENC and the hooks see
    it as any other address of the machine.

    \b
    Example: ocicli machine-ip-add CZ2041XYZ7 storage 10.20.0.15
    """
    body = {"network": network, "address": address}
    emit_object(client_from(ctx).post(P("machines", machine, "ip-addresses"), body), fmt, columns)


@commands.command("machine-ip-remove")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@click.argument("address")
@click.pass_context
def machine_ip_remove(ctx: click.Context, machine: str, address: str) -> None:
    """Take ADDRESS, added with machine-ip-add, from MACHINE; the network may
    give it to another machine.

    Refused: the address machine-add gave it (freed, the next machine-add would
    give it to another machine; machine-replace moves a machine), and its BMC's
    (machine-set-ipmi changes it).

    \b
    Example: ocicli machine-ip-remove CZ2041XYZ7 10.20.0.15
    """
    client_from(ctx).delete(P("machines", machine, "ip-addresses", address))
    click.echo(f"removed {address} from machine {machine}")
