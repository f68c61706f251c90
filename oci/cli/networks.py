"""ocicli: networks: create, list, show, delete, attach to a cluster, set, detach."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

from oci.choices import NETWORK_SPECIAL_ROLES
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

NETWORK_COLUMNS = ("name", "cidr", "location", "is_public", "cluster", "role", "vlan", "mtu")
RESETTABLE = (
    "mtu",
    "vlan",
    "bridge_name",
    "iface2",
    "first_ip",
    "last_ip",
    "ipmi_match_address",
    "ipmi_match_prefix_length",
)


@commands.command("network-create")
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
    emit_object(client_from(ctx).post(P("networks"), body), fmt, columns)


@commands.command("network-list")
@click.option("--location", shell_complete=completer("locations"), help="Only this location's.")
@click.option("--cluster", shell_complete=completer("clusters"), help="Only this cluster's.")
@output_options()
@click.pass_context
def network_list(ctx: click.Context, /, fmt: str, columns: tuple[str, ...], **filters: Any) -> None:
    """List networks."""
    list_and_emit(ctx, "networks", fmt, columns, NETWORK_COLUMNS, **filters)


@commands.command("network-show")
@click.argument("name", shell_complete=completer("networks"))
@output_options()
@click.pass_context
def network_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show network NAME."""
    emit_object(client_from(ctx).get(P("networks", name)), fmt, columns)


@commands.command("network-delete")
@click.argument("name", shell_complete=completer("networks"))
@click.pass_context
def network_delete(ctx: click.Context, name: str) -> None:
    """Delete network NAME (no cluster may use it, no machine hold an address in it)."""
    client_from(ctx).delete(P("networks", name))
    click.echo(f"deleted network {name}")


P = ApiClient.path
_machine_roles = completer("roles")


def network_roles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """The special network roles, then the machine roles the server knows."""
    special = [CompletionItem(r) for r in NETWORK_SPECIAL_ROLES if r.startswith(incomplete)]
    return special + _machine_roles(ctx, param, incomplete)


@commands.command("network-add")
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
    A public network reserves the cluster's API VIP and gives no machine an
    address (ROLE says whose NICs carry it).

    \b
    Examples:
      ocicli network-add mgmt cl1 all 10g1 10g2
      ocicli network-add pub cl1 controller eno1
    """
    body = {"cluster": cluster, "role": role, "iface1": iface1}
    if iface2 is not None:
        body["iface2"] = iface2
    emit_object(client_from(ctx).post(P("networks", network, "attachment"), body), fmt, columns)


@commands.command("network-set", cls=SetCommand)
@click.argument("network", shell_complete=completer("networks"))
@click.option("--role", help="Machine role, or all, vm-net, ovs-bridge, ceph-cluster, ipmi.")
@click.option("--iface1", metavar="IFACE", help="First interface: name or speed class.")
@click.option("--iface2", metavar="IFACE", help="Second interface (bond).")
@click.option("--ip", "address", metavar="IP", help="New network address.")
@click.option(
    "--cidr", "prefix_length", type=click.IntRange(1, 128), help="New prefix length (24)."
)
@click.option(
    "--is-public", type=click.Choice(["yes", "no"]), help="Public: holds VIPs, no host address."
)
@click.option("--mtu", type=click.IntRange(576, 9216), help="MTU (IPv6: at least 1280).")
@click.option("--vlan", type=click.IntRange(1, 4094), help="802.1Q VLAN ID.")
@click.option("--location", shell_complete=completer("locations"), help="Location.")
@click.option("--bridge-name", metavar="NAME", help="Bridge the interface joins.")
@click.option(
    "--ipmi-match-addr",
    "ipmi_match_address",
    metavar="IP",
    help="ipmi network: machines booting from this network get their BMC address here.",
)
@click.option(
    "--ipmi-match-cidr",
    "ipmi_match_prefix_length",
    type=click.IntRange(1, 128),
    help="Prefix length of --ipmi-match-addr.",
)
@click.option("--first-ip", metavar="IP", help="First address hosts take.")
@click.option("--last-ip", metavar="IP", help="Last address hosts take.")
@reset_option(RESETTABLE)
@output_options()
@click.pass_context
def network_set(
    ctx: click.Context,
    /,
    network: str,
    reset: tuple[str, ...],
    fmt: str,
    columns: tuple[str, ...],
    **values: Any,
) -> None:
    """Change NETWORK: OCI's role, interfaces, address and prefix, public flag,
    MTU, VLAN, location, bridge, IPMI match and host address range.

    A new --ip/--cidr is refused while an address in use would fall outside it.

    \b
    Examples:
      ocicli network-set mgmt --mtu 9000 --vlan 101
      ocicli network-set ipmi --role ipmi --ipmi-match-addr 192.168.100.0 --ipmi-match-cidr 24
      ocicli network-set mgmt --first-ip 192.168.101.20 --last-ip 192.168.101.200
      ocicli network-set mgmt --reset vlan
    """
    body = patch_body(values, reset, ("is_public",))
    emit_object(client_from(ctx).patch(P("networks", network), body), fmt, columns)


@commands.command("network-remove")
@click.argument("network", shell_complete=completer("networks"))
@click.pass_context
def network_remove(ctx: click.Context, network: str) -> None:
    """Detach NETWORK from its cluster (no machine may hold an address in it)."""
    client_from(ctx).delete(P("networks", network, "attachment"))
    click.echo(f"removed network {network} from its cluster")


@commands.command("ipmi-assign-check")
@output_options()
@click.pass_context
def ipmi_assign_check(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """Record the BMC addresses machines report in networks of role ipmi.

    As OCI's: a reported address inside an ipmi network that oci has not
    recorded yet is recorded for its machine, so that no BMC set-up gives it
    to another. An address another machine or a VIP holds is named, not taken.

    \b
    Example:
      ocicli network-set ipmi --role ipmi --ipmi-match-addr 192.168.100.0 --ipmi-match-cidr 24
      ocicli ipmi-assign-check
    """
    result = client_from(ctx).post(P("ipmi-assign-check"), {})
    if fmt == "table" and not columns:
        click.echo(result["message"])
        return
    emit_object(result, fmt, columns)
