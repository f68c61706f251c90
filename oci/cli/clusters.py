"""ocicli: clusters: create, list, show, delete, set their options, show their members."""

from __future__ import annotations

from typing import Any

import click

from oci.choices import CPU_MODELS, OPENSTACK_RELEASES
from oci.cli.client import ApiClient
from oci.cli.context import (
    CommandSet,
    client_from,
    completer,
    emit_object,
    list_and_emit,
    output_options,
)
from oci.cli.setters import YES_NO, SetCommand, patch_body, reset_option

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

BOOLEANS = (
    "self_signed_api_cert",
    "initial_cluster_setup",
    "notifications",
    "ceph_osds_on_computes",
    "bgp_to_host",
)
OPTIONS = (
    "time_server",
    "vip_hostname",
    "self_signed_api_cert",
    "initial_cluster_setup",
    "swift_part_power",
    "swift_replicas",
    "swift_min_part_hours",
    "swift_proxy_hostname",
    "cpu_model",
    "openstack_release",
    "monitoring_host",
    "monitoring_graphite_host",
    "monitoring_graphite_port",
    "notification_email",
    "notifications",
    "ceph_osds_on_computes",
    "remote_swift_cluster",
    "bgp_to_host",
    "bgp_asn_base",
)


@commands.command("cluster-set", cls=SetCommand)
@click.argument("name", shell_complete=completer("clusters"))
@click.option("--time-server", "time_server", metavar="HOST", help="NTP server of the hosts.")
@click.option("--vip-hostname", metavar="HOST", help="API VIP host name [CLUSTER-api.DOMAIN].")
@click.option("--self-signed-api-cert", type=YES_NO, help="oci's CA signs the API cert.")
@click.option(
    "--initial-cluster-setup", type=YES_NO, help="Bootstrap Galera, VIP, RabbitMQ, cells."
)
@click.option("--swift-part-power", type=click.IntRange(6, 24), help="Swift ring part power.")
@click.option("--swift-replicas", type=click.IntRange(1, 6), help="Swift replicas.")
@click.option("--swift-min-part-hours", type=click.IntRange(0, 168), help="Swift min part hours.")
@click.option("--swift-proxy-hostname", metavar="HOST", help="Public host name of Swift.")
@click.option("--cpu-model", type=click.Choice(CPU_MODELS), help="CPU model of instances.")
@click.option("--openstack-release", type=click.Choice(OPENSTACK_RELEASES), help="Release.")
@click.option("--monitoring-host", metavar="HOST", help="Monitoring server.")
@click.option("--monitoring-graphite-host", metavar="HOST", help="Graphite host.")
@click.option("--monitoring-graphite-port", type=click.IntRange(1, 65535), help="Graphite port.")
@click.option("--notification-email", metavar="EMAIL", help="Where alerts are mailed.")
@click.option("--notifications", type=YES_NO, help="Services send notifications on the bus.")
@click.option(
    "--ceph-osds-on-computes", type=YES_NO, help="Hyper-converged: computes run Ceph OSDs."
)
@click.option(
    "--remote-swift-cluster",
    metavar="CLUSTER",
    shell_complete=completer("clusters"),
    help="Swift-only cluster for Glance images and Cinder backups.",
)
@click.option("--bgp-to-host", type=YES_NO, help="Hosts peer by BGP with their switches.")
@click.option(
    "--bgp-asn-base", type=click.IntRange(64512, 4294000000), help="ASN of host 0 (+ its id)."
)
@reset_option(OPTIONS)
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

    \b
    Examples:
      ocicli cluster-set cl1 --time-server ntp.example.com --swift-part-power 20
      ocicli cluster-set cl1 --self-signed-api-cert no --cpu-model EPYC-Rome
      ocicli cluster-set cl1 --remote-swift-cluster swift1 --bgp-to-host yes
      ocicli cluster-set cl1 --reset time_server
    """
    body = patch_body(values, reset, BOOLEANS)
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
    default = ("network", "address", "purpose", "hostname", "role")
    list_and_emit(ctx, ("clusters", name, "ips"), fmt, columns, default)
