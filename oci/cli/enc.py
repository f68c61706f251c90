"""ocicli enc-show: the ENC document Puppet gets for a node."""

from __future__ import annotations

import difflib

import click

from oci.cli.client import ApiClient
from oci.cli.context import (
    CommandSet,
    client_from,
)

commands = CommandSet()


@commands.command("enc-show")
@click.argument("fqdn")
@click.option(
    "--diff",
    is_flag=True,
    help="Show what changed since the node's last successful Puppet run, as a unified "
    "diff (- then, + now); nothing when nothing changed.",
)
@click.pass_context
def enc_show(ctx: click.Context, fqdn: str, diff: bool) -> None:
    """Print the ENC document (YAML) of node FQDN, as oci-puppet-enc gets it.

    It holds the secrets of the node's role: it needs an admin. With --diff,
    print only how today's document differs from the one of the node's last
    successful Puppet run (recorded when it reported puppet-success): what the
    next run will change.

    \b
    Examples:
      ocicli enc-show cl1-compute-1.example.com
      ocicli enc-show cl1-controller-1.example.com | grep glance_backend
      ocicli enc-show cl1-compute-1.example.com --diff
    """
    client = client_from(ctx)
    text = client.download(ApiClient.path("enc", fqdn)).decode("utf-8")
    if not diff:
        click.echo(text, nl=False)
        return
    before = client.download(ApiClient.path("enc", fqdn, "applied")).decode("utf-8")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"{fqdn} at its last successful Puppet run",
        tofile=f"{fqdn} now",
    )
    changed = "".join(lines)
    if changed:
        click.echo(changed, nl=not changed.endswith("\n"))
    else:
        click.echo(f"{fqdn}: no change since its last successful Puppet run", err=True)
