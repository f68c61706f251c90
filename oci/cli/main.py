"""``ocicli``: the operator's command line. It talks HTTP to the oci server only.

The commands live in one module per noun; this one assembles them under ``main``.
"""

from __future__ import annotations

from typing import Any

import click

from oci.cli import (
    bmc,
    certificates,
    cluster_ops,
    clusters,
    discovery,
    enc,
    install,
    locations,
    machine_addresses,
    machine_hooks,
    machine_lifecycle,
    machine_wait,
    machines,
    networks,
    profiles,
    raid,
    regions,
    roles,
    root_password,
    swift_rings,
)
from oci.cli.client import ApiError
from oci.cli.context import DEFAULT_API_URL


class OciGroup(click.Group):
    """Turns API errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ApiError as exc:
            message = str(exc)
            if exc.status == 401 and "OCI_API_TOKEN" not in message:
                message += " [set OCI_LOGIN and OCI_PASSWORD, or OCI_API_TOKEN]"
            raise click.ClickException(message) from exc


@click.group(cls=OciGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--api-url",
    envvar="OCI_API_URL",
    metavar="URL",
    help=f"oci server URL [env OCI_API_URL; default {DEFAULT_API_URL}].",
)
@click.option("--login", envvar="OCI_LOGIN", help="User name [env OCI_LOGIN].")
@click.option(
    "--password",
    envvar="OCI_PASSWORD",
    help="Password [env OCI_PASSWORD; prefer the variable: options show in ps].",
)
@click.option(
    "--token", envvar="OCI_API_TOKEN", help="API token instead of a password [env OCI_API_TOKEN]."
)
@click.option(
    "--config",
    envvar="OCI_CLI_CONFIG",
    metavar="FILE",
    help="TOML file with api_url, login, password, token "
    "[default ~/.config/oci/ocicli.toml, then /etc/oci/ocicli.toml].",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the server.",
)
@click.version_option(package_name="oci")
def main(**_: Any) -> None:
    """Drive an oci server: machines, clusters, locations, networks.

    \b
    Examples:
      ocicli machine-list
      ocicli machine-show SERIAL -f json
      ocicli swift-region-create region1
      ocicli location-create zone1 region1
      ocicli network-create mgmt 192.168.101.0 24 zone1 no
      ocicli cluster-create cl1 example.com
      ocicli network-add mgmt cl1 all 10g1 10g2
      ocicli machine-add SERIAL cl1 controller zone1
      ocicli cluster-show-ips cl1
      ocicli machine-list -f value -c serial

    Shell completion: eval "$(ocicli completion bash)" (or zsh).
    """


@main.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL; eval it in your shell's rc file."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None
    comp = cls(main, {}, "ocicli", "_OCICLI_COMPLETE")
    click.echo(comp.source())


for module in (
    machines,
    machine_addresses,
    machine_wait,
    machine_lifecycle,
    machine_hooks,
    root_password,
    clusters,
    cluster_ops,
    networks,
    locations,
    regions,
    swift_rings,
    roles,
    profiles,
    bmc,
    raid,
    install,
    discovery,
    enc,
    certificates,
):
    for command in module.commands:
        main.add_command(command)
