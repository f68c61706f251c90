"""The ocicli subcommands, OCI's noun-verb names over the HTTP API."""

from __future__ import annotations

from typing import Any

import click

from oci.cli.client import ApiClient
from oci.cli.main import client_from, completer, emit_object, list_and_emit, main, output_options

P = ApiClient.path

MACHINE_COLUMNS = (
    "serial",
    "product_name",
    "cpu_model",
    "ram",
    "disks",
    "nics",
    "gpus",
    "switch",
    "racking",
    "location",
    "hostname",
    "status",
    "last_seen",
    "id",  # finds machines whose firmware has no serial: machine-show ID
)


def _api(ctx: click.Context) -> ApiClient:
    return client_from(ctx)


# -- machines -------------------------------------------------------------------------


@main.command("machine-list")
@click.option("--status", help="Only machines in this state (live, installing, ...).")
@click.option("--cluster", shell_complete=completer("clusters"), help="Only this cluster's.")
@click.option("--role", shell_complete=completer("roles"), help="Only this role's.")
@click.option("--location", shell_complete=completer("locations"), help="Only this location's.")
@click.option("--product", help="Only this exact DMI product name.")
@click.option("--manufacturer", help="Only this exact manufacturer.")
@click.option(
    "--conflicts",
    "conflict",
    flag_value="true",
    default=None,
    help="Only machines whose reports discovery refused to merge (see machine-show).",
)
@output_options()
@click.pass_context
def machine_list(ctx: click.Context, fmt: str, columns: tuple[str, ...], **filters: Any) -> None:
    """List discovered machines with a summary of their hardware.

    \b
    Examples:
      ocicli machine-list
      ocicli machine-list --status live -c serial -c product_name -c disks
      ocicli machine-list --conflicts
      ocicli machine-list -f value -c serial     # for $(...) in scripts
    """
    list_and_emit(ctx, "machines", fmt, columns, MACHINE_COLUMNS, **filters)


@main.command("machine-show")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_show(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show everything known of MACHINE (serial, host name, system UUID or id).

    Hardware, LLDP neighbours, BMC, SSH host keys, and the problems of the
    newest report (tools missing or failed). History: ocicli event-list --machine M.
    """
    emit_object(_api(ctx).get(P("machines", machine)), fmt, columns)


# -- clusters -------------------------------------------------------------------------


@main.command("cluster-create")
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
    emit_object(_api(ctx).post(P("clusters"), {"name": name, "domain": domain}), fmt, columns)


@main.command("cluster-list")
@output_options()
@click.pass_context
def cluster_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List clusters."""
    list_and_emit(ctx, "clusters", fmt, columns, ("name", "domain"))


@main.command("cluster-show")
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
    Example: ocicli cluster-show cl1 --show-secrets -f value -c keystone_admin_password
    """
    cluster = _api(ctx).get(P("clusters", name))
    if show_secrets:
        cluster |= _api(ctx).get(P("clusters", name, "secrets"))["secrets"]
    emit_object(cluster, fmt, columns)


@main.command("cluster-delete")
@click.argument("name", shell_complete=completer("clusters"))
@click.pass_context
def cluster_delete(ctx: click.Context, name: str) -> None:
    """Delete cluster NAME (it must have no machines and no networks)."""
    _api(ctx).delete(P("clusters", name))
    click.echo(f"deleted cluster {name}")


# -- Swift regions and locations --------------------------------------------------------


@main.command("swift-region-create")
@click.argument("name")
@output_options()
@click.pass_context
def swift_region_create(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Create Swift region NAME."""
    emit_object(_api(ctx).post(P("swift-regions"), {"name": name}), fmt, columns)


@main.command("swift-region-list")
@output_options()
@click.pass_context
def swift_region_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List Swift regions."""
    list_and_emit(ctx, "swift-regions", fmt, columns, ("name",))


@main.command("swift-region-show")
@click.argument("name", shell_complete=completer("swift-regions"))
@output_options()
@click.pass_context
def swift_region_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show Swift region NAME."""
    emit_object(_api(ctx).get(P("swift-regions", name)), fmt, columns)


@main.command("swift-region-delete")
@click.argument("name", shell_complete=completer("swift-regions"))
@click.pass_context
def swift_region_delete(ctx: click.Context, name: str) -> None:
    """Delete Swift region NAME (it must have no locations)."""
    _api(ctx).delete(P("swift-regions", name))
    click.echo(f"deleted Swift region {name}")


@main.command("location-create")
@click.argument("name")
@click.argument("swift_region", metavar="SWIFTREGION", shell_complete=completer("swift-regions"))
@output_options()
@click.pass_context
def location_create(
    ctx: click.Context, name: str, swift_region: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Create location NAME in SWIFTREGION."""
    body = {"name": name, "swift_region": swift_region}
    emit_object(_api(ctx).post(P("locations"), body), fmt, columns)


@main.command("location-list")
@output_options()
@click.pass_context
def location_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List locations."""
    list_and_emit(ctx, "locations", fmt, columns, ("name", "swift_region"))


@main.command("location-show")
@click.argument("name", shell_complete=completer("locations"))
@output_options()
@click.pass_context
def location_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show location NAME."""
    emit_object(_api(ctx).get(P("locations", name)), fmt, columns)


@main.command("location-delete")
@click.argument("name", shell_complete=completer("locations"))
@click.pass_context
def location_delete(ctx: click.Context, name: str) -> None:
    """Delete location NAME (it must have no networks and no machines)."""
    _api(ctx).delete(P("locations", name))
    click.echo(f"deleted location {name}")


# -- networks ---------------------------------------------------------------------------

NETWORK_COLUMNS = ("name", "cidr", "location", "is_public", "cluster", "role", "vlan", "mtu")


@main.command("network-create")
@click.argument("name")
@click.argument("ip", metavar="IP")
@click.argument("cidr", metavar="CIDR", type=click.IntRange(1, 128))
@click.argument("location", shell_complete=completer("locations"))
@click.argument("public", metavar="PUBLIC", type=click.Choice(["yes", "no"]))
@output_options()
@click.pass_context
def network_create(
    ctx: click.Context,
    name: str,
    ip: str,
    cidr: int,
    location: str,
    public: str,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Create network NAME = IP/CIDR in LOCATION; PUBLIC is yes or no.

    \b
    Example: ocicli network-create mgmt 192.168.101.0 24 zone1 no
    IPv6 works the same: ocicli network-create v6 2001:db8:1:: 64 zone1 no
    """
    body = {
        "name": name,
        "address": ip,
        "prefix_length": cidr,
        "location": location,
        "is_public": public == "yes",
    }
    emit_object(_api(ctx).post(P("networks"), body), fmt, columns)


@main.command("network-list")
@click.option("--location", shell_complete=completer("locations"), help="Only this location's.")
@click.option("--cluster", shell_complete=completer("clusters"), help="Only this cluster's.")
@output_options()
@click.pass_context
def network_list(ctx: click.Context, fmt: str, columns: tuple[str, ...], **filters: Any) -> None:
    """List networks."""
    list_and_emit(ctx, "networks", fmt, columns, NETWORK_COLUMNS, **filters)


@main.command("network-show")
@click.argument("name", shell_complete=completer("networks"))
@output_options()
@click.pass_context
def network_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show network NAME."""
    emit_object(_api(ctx).get(P("networks", name)), fmt, columns)


@main.command("network-delete")
@click.argument("name", shell_complete=completer("networks"))
@click.pass_context
def network_delete(ctx: click.Context, name: str) -> None:
    """Delete network NAME (no cluster may use it, no machine hold an address in it)."""
    _api(ctx).delete(P("networks", name))
    click.echo(f"deleted network {name}")


# -- roles ------------------------------------------------------------------------------


@main.command("role-list")
@output_options()
@click.pass_context
def role_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List the roles a machine can take."""
    list_and_emit(ctx, "roles", fmt, columns, ("name", "description"))


@main.command("role-show")
@click.argument("name", shell_complete=completer("roles"))
@output_options()
@click.pass_context
def role_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show role NAME."""
    emit_object(_api(ctx).get(P("roles", name)), fmt, columns)
