"""ocicli commands for the certificates the cluster PKI issued (public parts only)."""

from __future__ import annotations

import click

from oci.cli.client import ApiClient
from oci.cli.context import (
    CommandSet,
    client_from,
    completer,
    emit_object,
    output_options,
)

commands = CommandSet()

P = ApiClient.path
SHOWN = ("subject", "issuer", "not_after", "dns_names", "ip_addresses", "sha256")


def _columns(fmt: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """A table without the PEM blocks unless asked: -c pem, or -f json/yaml."""
    return columns or (SHOWN if fmt == "table" else ())


@commands.command("machine-cert-show")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_cert_show(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show MACHINE's node certificate (issued at machine-add).

    \b
    Examples:
      ocicli machine-cert-show 5KXY123
      ocicli machine-cert-show 5KXY123 -f value -c pem > node.crt
    """
    cert = client_from(ctx).get(P("machines", machine, "certificate"))
    emit_object(cert, fmt, _columns(fmt, columns))


@commands.command("cluster-cert-show")
@click.argument("cluster", shell_complete=completer("clusters"))
@output_options()
@click.pass_context
def cluster_cert_show(ctx: click.Context, cluster: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show CLUSTER's API certificate (oci pki api-cert sets it)."""
    cert = client_from(ctx).get(P("clusters", cluster, "api-certificate"))
    emit_object(cert, fmt, _columns(fmt, columns))
