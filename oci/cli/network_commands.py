"""ocicli network-add, network-set, network-remove: networks of a cluster."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

from oci.choices import NETWORK_SPECIAL_ROLES
from oci.cli.client import ApiClient
from oci.cli.main import client_from, completer, emit_object, main, output_options
from oci.cli.setters import SetCommand, patch_body, reset_option

P = ApiClient.path
_machine_roles = completer("roles")


def network_roles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """The special network roles, then the machine roles the server knows."""
    special = [CompletionItem(r) for r in NETWORK_SPECIAL_ROLES if r.startswith(incomplete)]
    return special + _machine_roles(ctx, param, incomplete)


@main.command("network-add")
@click.argument("network", shell_complete=completer("networks"))
@click.argument("cluster", shell_complete=completer("clusters"))
@click.argument("role", shell_complete=network_roles)
@click.argument("iface1")
@click.argument("iface2", required=False)
@output_options()
@click.pass_context
def network_add(
    ctx: click.Context,
    network: str,
    cluster: str,
    role: str,
    iface1: str,
    iface2: str | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Attach NETWORK to CLUSTER for ROLE on IFACE1 (and IFACE2: a bond).

    ROLE is a machine role (controller, compute, ...) or all, vm-net,
    ovs-bridge, ceph-cluster, ipmi. Interfaces are names (eno1) or speed
    classes: 10g1 is the first NIC of at least 10 Gbit/s, 10g2 the second.
    A public network reserves the cluster's VIP.

    \b
    Examples:
      ocicli network-add mgmt cl1 all 10g1 10g2
      ocicli network-add pub cl1 controller eno1
    """
    body = {"cluster": cluster, "role": role, "iface1": iface1}
    if iface2 is not None:
        body["iface2"] = iface2
    emit_object(client_from(ctx).post(P("networks", network, "attachment"), body), fmt, columns)


@main.command("network-set", cls=SetCommand)
@click.argument("network", shell_complete=completer("networks"))
@click.option("--mtu", type=click.IntRange(576, 9216), help="MTU (IPv6: at least 1280).")
@click.option("--vlan", type=click.IntRange(1, 4094), help="802.1Q VLAN ID.")
@click.option("--bridge-name", metavar="NAME", help="Bridge the interface joins.")
@click.option("--role", help="Machine role, or all, vm-net, ovs-bridge, ceph-cluster, ipmi.")
@click.option("--iface1", metavar="IFACE", help="First interface: name or speed class.")
@click.option("--iface2", metavar="IFACE", help="Second interface (bond).")
@reset_option(("mtu", "vlan", "bridge_name", "iface2"))
@output_options()
@click.pass_context
def network_set(
    ctx: click.Context,
    network: str,
    reset: tuple[str, ...],
    fmt: str,
    columns: tuple[str, ...],
    **values: Any,
) -> None:
    """Change NETWORK's MTU, VLAN, bridge, role or interfaces.

    \b
    Examples:
      ocicli network-set mgmt --mtu 9000 --vlan 101
      ocicli network-set mgmt --reset vlan
    """
    body = patch_body(values, reset)
    emit_object(client_from(ctx).patch(P("networks", network), body), fmt, columns)


@main.command("network-remove")
@click.argument("network", shell_complete=completer("networks"))
@click.pass_context
def network_remove(ctx: click.Context, network: str) -> None:
    """Detach NETWORK from its cluster (no machine may hold an address in it)."""
    client_from(ctx).delete(P("networks", network, "attachment"))
    click.echo(f"removed network {network} from its cluster")
