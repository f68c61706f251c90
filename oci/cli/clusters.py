"""ocicli: clusters: create, list, show, delete, set their options, show their members."""

from __future__ import annotations

from typing import Any

import click

from oci.choices import CLUSTER_OPTION_SPECS
from oci.cli import option_flags
from oci.cli.client import ApiClient
from oci.cli.context import (
    CommandSet,
    client_from,
    completer,
    emit_object,
    list_and_emit,
    output_options,
)
from oci.cli.setters import SetCommand, patch_body, reset_option

commands = CommandSet()


@commands.command("cluster-create")
@click.argument("name")
@click.argument("domain")
@output_options()
@click.pass_context
def cluster_create(
    ctx: click.Context, name: str, domain: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Create cluster NAME whose hosts live in DOMAIN (NAME-ROLE-N.DOMAIN).

    Every secret the cluster needs (service passwords, Ceph keys, SSH keys, ...)
    is generated now and stored encrypted; see cluster-show --show-secrets.
    """
    emit_object(
        client_from(ctx).post(P("clusters"), {"name": name, "domain": domain}), fmt, columns
    )


@commands.command("cluster-list")
@output_options()
@click.pass_context
def cluster_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List clusters."""
    list_and_emit(ctx, "clusters", fmt, columns, ("name", "domain"))


@commands.command("cluster-show")
@click.argument("name", shell_complete=completer("clusters"))
@click.option(
    "--show-secrets",
    is_flag=True,
    help="Add the cluster's secrets (passwords, keys) in clear; needs an admin.",
)
@output_options()
@click.pass_context
def cluster_show(
    ctx: click.Context, name: str, show_secrets: bool, fmt: str, columns: tuple[str, ...]
) -> None:
    """Show cluster NAME; secrets only with --show-secrets.

    \b
    Example: ocicli cluster-show cl1 --show-secrets -f value -c keystone/adminuser
    """
    cluster = client_from(ctx).get(P("clusters", name))
    if show_secrets:
        cluster |= client_from(ctx).get(P("clusters", name, "secrets"))["secrets"]
    emit_object(cluster, fmt, columns)


@commands.command("cluster-delete")
@click.argument("name", shell_complete=completer("clusters"))
@click.pass_context
def cluster_delete(ctx: click.Context, name: str) -> None:
    """Delete cluster NAME (it must have no machines and no networks)."""
    client_from(ctx).delete(P("clusters", name))
    click.echo(f"deleted cluster {name}")


P = ApiClient.path

CLUSTER_SPECS = CLUSTER_OPTION_SPECS


@commands.command("cluster-set", cls=SetCommand)
@click.argument("name", shell_complete=completer("clusters"))
@option_flags.options(CLUSTER_SPECS, remote_swift_cluster={"shell_complete": completer("clusters")})
@click.option(
    "--first-master",
    metavar="SERIAL",
    shell_complete=completer("machines", "serial"),
    help="The controller that bootstraps the cluster (Galera, the VIP): its serial.",
)
@reset_option([spec.name for spec in CLUSTER_SPECS])
@output_options()
@click.pass_context
def cluster_set(
    ctx: click.Context,
    /,
    name: str,
    reset: tuple[str, ...],
    fmt: str,
    columns: tuple[str, ...],
    **values: Any,
) -> None:
    """Set options of cluster NAME; prints its options afterwards.

    The options, their defaults and the roles whose Puppet classes receive them
    are OCI's (Debian's OpenStack Cluster Installer); machine-set overrides a
    few per machine (nested_virt, cpu_mode, cpu_model, cpu_model_extra_flags).

    \b
    Examples:
      ocicli cluster-set cl1 --time-server-host ntp.example.com --swift-part-power 20
      ocicli cluster-set cl1 --self-signed-api-cert no --cpu-mode custom --cpu-model EPYC-Rome
      ocicli cluster-set cl1 --remote-swift-cluster swift1 --bgp-to-the-host yes
      ocicli cluster-set cl1 --neutron-global-physnet-mtu 9000 --install-designate yes
      ocicli cluster-set cl1 --reset time_server_host
    """
    body = patch_body(values, reset, option_flags.booleans(CLUSTER_SPECS))
    cluster = client_from(ctx).patch(P("clusters", name), body)
    emit_object(cluster["options"], fmt, columns)


@commands.command("cluster-show-machines")
@click.argument("name", shell_complete=completer("clusters"))
@output_options()
@click.pass_context
def cluster_show_machines(
    ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """List the machines of cluster NAME: host name, role, location, addresses."""
    default = ("hostname", "serial", "role", "location", "is_first_master", "addresses")
    list_and_emit(ctx, ("clusters", name, "machines"), fmt, columns, default)


@commands.command("cluster-show-networks")
@click.argument("name", shell_complete=completer("clusters"))
@output_options()
@click.pass_context
def cluster_show_networks(
    ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """List the networks attached to cluster NAME, with their role and interfaces."""
    default = ("name", "cidr", "location", "is_public", "role", "iface1", "iface2", "vlan", "mtu")
    list_and_emit(ctx, ("clusters", name, "networks"), fmt, columns, default)


@commands.command("cluster-show-ips")
@click.argument("name", shell_complete=completer("clusters"))
@output_options()
@click.pass_context
def cluster_show_ips(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """List the addresses held in cluster NAME's networks: hosts and VIPs."""
    default = ("network", "address", "purpose", "vip_usage", "hostname", "role")
    list_and_emit(ctx, ("clusters", name, "ips"), fmt, columns, default)
