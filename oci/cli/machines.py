"""ocicli: the machines: list, show, add to a cluster, remove, destroy, set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from oci.choices import GPU_DEVICE_TYPES, MACHINE_OPTION_SPECS
from oci.cli import option_flags
from oci.cli.client import ApiClient, ApiError
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


@commands.command("machine-list")
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
def machine_list(ctx: click.Context, /, fmt: str, columns: tuple[str, ...], **filters: Any) -> None:
    """List discovered machines with a summary of their hardware.

    \b
    Examples:
      ocicli machine-list
      ocicli machine-list --status live -c serial -c product_name -c disks
      ocicli machine-list --conflicts
      ocicli machine-list -f value -c serial     # for $(...) in scripts
    """
    list_and_emit(ctx, "machines", fmt, columns, MACHINE_COLUMNS, **filters)


@commands.command("machine-show")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_show(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show everything known of MACHINE (serial, host name, system UUID or id).

    Hardware, LLDP neighbours, BMC, SSH host keys, and the problems of the
    newest report (tools missing or failed). History: ocicli event-list --machine M.
    """
    emit_object(client_from(ctx).get(P("machines", machine)), fmt, columns)


P = ApiClient.path

GPU_KEYS = {"name": "name", "vendor": "vendor_id", "product": "product_id", "type": "device_type"}


if TYPE_CHECKING:
    # Recent click types a ParamType by the value it converts to; the older
    # click this project still supports cannot subscript it at run time.
    _DictParamType = click.ParamType[dict[str, Any]]
else:
    _DictParamType = click.ParamType


class GpuType(_DictParamType):
    """``name=t4,vendor=10de,product=1eb8[,type=type-PF][,vfio=10de:1eb8+10de:1af1]``."""

    name = "GPU"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        gpu: dict[str, Any] = {}
        for part in str(value).split(","):
            key, sep, text = part.partition("=")
            if not sep or key not in (*GPU_KEYS, "vfio"):
                self.fail(
                    f"{part!r}: expected KEY=VALUE with KEY one of "
                    f"{', '.join((*GPU_KEYS, 'vfio'))}",
                    param,
                    ctx,
                )
            if key == "vfio":
                gpu["vfio_ids"] = [v for v in text.split("+") if v]
            else:
                gpu[GPU_KEYS[key]] = text
        missing = [k for k in ("name", "vendor", "product") if GPU_KEYS[k] not in gpu]
        if missing:
            self.fail(f"{value!r} lacks {', '.join(missing)}", param, ctx)
        if "device_type" in gpu and gpu["device_type"] not in GPU_DEVICE_TYPES:
            self.fail(f"type must be one of {', '.join(GPU_DEVICE_TYPES)}", param, ctx)
        return gpu


@commands.command("machine-add")
@click.argument("serial", shell_complete=completer("machines", "serial"))
@click.argument("cluster", shell_complete=completer("clusters"))
@click.argument("role", shell_complete=completer("roles"))
@click.argument("location", shell_complete=completer("locations"))
@click.option(
    "--fixed-ip",
    metavar="ADDRESS",
    help="Take this address on the network that contains it, instead of its first free one.",
)
@output_options()
@click.pass_context
def machine_add(
    ctx: click.Context,
    serial: str,
    cluster: str,
    role: str,
    location: str,
    fixed_ip: str | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Add machine SERIAL to CLUSTER as ROLE in LOCATION.

    The machine gets the host name CLUSTER-ROLE-N.DOMAIN and the first free
    address of every network of CLUSTER in LOCATION that serves ROLE (with
    --fixed-ip, ADDRESS on the network that contains it); the first controller
    becomes the first master.

    \b
    Examples:
      ocicli machine-add CZ2041XYZ7 cl1 controller zone1
      ocicli machine-add --fixed-ip 192.168.101.50 CZ2041XYZ7 cl1 compute zone1
    """
    added = add_machine(client_from(ctx), serial, cluster, role, location, fixed_ip)
    emit_object(added, fmt, columns)


def add_machine(
    client: ApiClient,
    serial: str,
    cluster: str,
    role: str,
    location: str,
    fixed_ip: str | None = None,
) -> dict[str, Any]:
    """machine-add, sent again when its answer is lost (a server behind a proxy
    died). If the lost attempt went through, the next one is refused because the
    machine is in a cluster already: when that is this CLUSTER, ROLE and
    LOCATION, the machine was added as asked and its enrolment is the answer."""
    path = P("machines", serial, "enrolment")
    body = {"cluster": cluster, "role": role, "location": location}
    if fixed_ip is not None:
        body["fixed_ip"] = fixed_ip
    try:
        added: dict[str, Any] = client.post(path, body, resend=True)
    except ApiError as exc:
        if not (exc.resent and exc.status == 409):
            raise
        shown: dict[str, Any] = client.get(path)
        if (
            (shown.get("cluster") or {}).get("name") != cluster
            or shown.get("role") != role
            or (shown.get("location") or {}).get("name") != location
        ):
            raise
        return shown
    return added


@commands.command("machine-remove")
@click.argument("serial", shell_complete=completer("machines", "serial"))
@click.pass_context
def machine_remove(ctx: click.Context, serial: str) -> None:
    """Take machine SERIAL out of its cluster; its addresses are freed.

    The address of its BMC (from machine-ipmi-setup) is kept, as the BMC
    itself keeps it: machine-power and the other BMC commands still work.
    machine-destroy frees it too.
    """
    client_from(ctx).delete(P("machines", serial, "enrolment"))
    click.echo(f"removed machine {serial} from its cluster")


@commands.command("machine-destroy")
@click.argument("serial", shell_complete=completer("machines", "serial"))
@click.pass_context
def machine_destroy(ctx: click.Context, serial: str) -> None:
    """Forget machine SERIAL entirely; it comes back if it reports again."""
    client_from(ctx).delete(P("machines", serial))
    click.echo(f"destroyed machine {serial}")


# machine-set's options: the table's (gpus has its own flag, below) and the place.
MACHINE_SPECS = tuple(spec for spec in MACHINE_OPTION_SPECS if spec.kind != "gpus")
PLACE = ("datacenter", "row", "rack", "u_position")
SETTINGS = (*(spec.name for spec in MACHINE_OPTION_SPECS), *PLACE)


@commands.command("machine-set", cls=SetCommand)
@click.argument("serial", shell_complete=completer("machines", "serial"))
@option_flags.options(MACHINE_SPECS)
@click.option(
    "--gpu",
    "gpus",
    multiple=True,
    type=GpuType(),
    help="A GPU type to pass through (repeatable): "
    "name=t4,vendor=10de,product=1eb8[,type=type-PF][,vfio=10de:1eb8+10de:1af1]. "
    "Replaces the machine's list.",
)
@click.option("--dc", "datacenter", metavar="NAME", help="Datacenter.")
@click.option("--row", metavar="NAME", help="Row of racks.")
@click.option("--rack", metavar="NAME", help="Rack.")
@click.option("--u-position", type=click.IntRange(1, 64), help="Lowest U of the machine.")
@reset_option(SETTINGS)
@output_options()
@click.pass_context
def machine_set(
    ctx: click.Context,
    /,
    serial: str,
    reset: tuple[str, ...],
    fmt: str,
    columns: tuple[str, ...],
    **values: Any,
) -> None:
    """Set options of machine SERIAL; prints them afterwards.

    The options, their defaults and the roles whose Puppet classes receive them
    are OCI's; cluster_value (the default of nested_virt and the cpu_* options)
    takes the cluster's option (cluster-set).

    \b
    Examples:
      ocicli machine-set S1 --install-on-raid yes --raid-type 1 --raid-dev sda --raid-dev sdb
      ocicli machine-set S1 --dc dc1 --row b --rack r5 --u-position 12
      ocicli machine-set S1 --gpu name=t4,vendor=10de,product=1eb8 --cpu-model EPYC-Rome
      ocicli machine-set S1 --cpu-allocation-ratio 4 --nested-virt yes --compute-is-cephosd yes
      ocicli machine-set S1 --reset gpus
    """
    values["gpus"] = list(values["gpus"]) or None
    values["raid_devices"] = list(values["raid_devices"]) or None
    body = patch_body(values, reset, option_flags.booleans(MACHINE_SPECS))
    shown = client_from(ctx).patch(P("machines", serial, "settings"), body)
    settings = shown.pop("settings")
    emit_object(shown | settings, fmt, columns)
