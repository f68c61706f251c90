"""ocicli enc-show: the ENC document Puppet gets for a node."""

from __future__ import annotations

import click

from oci.cli.client import ApiClient
from oci.cli.context import (
    CommandSet,
    client_from,
)

commands = CommandSet()


@commands.command("enc-show")
@click.argument("fqdn")
@click.pass_context
def enc_show(ctx: click.Context, fqdn: str) -> None:
    """Print the ENC document (YAML) of node FQDN, as oci-puppet-enc gets it.

    It holds the secrets of the node's role: it needs an admin.

    \b
    Examples:
      ocicli enc-show cl1-compute-1.example.com
      ocicli enc-show cl1-controller-1.example.com | grep glance_backend
    """
    text = client_from(ctx).download(ApiClient.path("enc", fqdn)).decode("utf-8")
    click.echo(text, nl=False)
