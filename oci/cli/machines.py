"""ocicli: the machines: list, show, add to a cluster, remove, destroy, set."""

from __future__ import annotations

import ipaddress
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


def _refuse_ipmi_password(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.UsageError(
            "--ipmi-password is refused: a password on the command line ends up in shell "
            "history and ps; use: ocicli machine-set-ipmi SERIAL --username USER "
            "--password-file FILE (or --password-file - to read it from stdin)"
        )


def _ids(value: str | None) -> list[str]:
    """OCI's lists: comma-separated (its ocicli sends them '+'-joined)."""
    if value is None:
        return []
    return [part for part in value.replace("+", ",").split(",") if part]


# OCI's flags of one GPU type, as parallel lists (names, vendor and product IDs).
GPU_FLAGS = ("gpu_name", "gpu_vendor_id", "gpu_product_id", "gpu_device_type", "vfio_ids")
IPMI_FLAGS = (
    "ipmi_use",
    "ipmi_call_chassis_bootdev",
    "ipmi_username",
    "ipmi_addr",
    "ipmi_port",
)


def _oci_gpus(
    client: ApiClient,
    serial: str,
    use_gpu: str | None,
    given: dict[str, Any],
    gpus: tuple[Any, ...],
) -> list[dict[str, Any]] | None:
    """OCI's --use-gpu and --gpu-* flags -> the machine's new GPU list ([] clears it;
    None: unchanged). OCI's flags describe one GPU type, whose names and IDs may be
    comma-separated lists in parallel; each name becomes one entry of our list, with
    the one device type and every vfio ID (the ENC joins them back as OCI's)."""
    flags = {k: v for k, v in given.items() if v is not None}
    if use_gpu == "no":
        if flags or gpus:
            raise click.UsageError("--use-gpu no clears the GPU types: drop the --gpu-* flags")
        return []
    if flags and gpus:
        raise click.UsageError("give --gpu, or OCI's --gpu-* flags, not both")
    if gpus or (not flags and use_gpu is None):
        return None  # --gpu's list (with --use-gpu yes or not), or nothing GPU
    current: list[dict[str, Any]] = client.get(P("machines", serial, "settings"))["settings"][
        "gpus"
    ]
    if not flags:  # --use-gpu yes alone
        if not current:
            raise click.UsageError(
                "--use-gpu yes: this machine has no GPU type yet; give --gpu-name, "
                "--gpu-vendor-id and --gpu-produc-id too"
            )
        return None
    names = _ids(flags.get("gpu_name")) or [g["name"] for g in current]
    vendors = _ids(flags.get("gpu_vendor_id")) or [g["vendor_id"] for g in current]
    products = _ids(flags.get("gpu_product_id")) or [g["product_id"] for g in current]
    if not (len(names) == len(vendors) == len(products)) or not names:
        raise click.UsageError(
            f"--gpu-name, --gpu-vendor-id and --gpu-produc-id give {len(names)} name(s), "
            f"{len(vendors)} vendor ID(s) and {len(products)} product ID(s): one each per "
            "GPU, in the same order"
        )
    device_type = flags.get("gpu_device_type") or (
        current[0]["device_type"] if current else "type-PCI"
    )
    vfio = _ids(flags.get("vfio_ids"))
    if "vfio_ids" not in flags and current:
        vfio = list(current[0]["vfio_ids"])
    return [
        {
            "name": name,
            "vendor_id": vendor,
            "product_id": product,
            "device_type": device_type,
            "vfio_ids": vfio,
        }
        for name, vendor, product in zip(names, vendors, products, strict=True)
    ]


def _oci_place(
    client: ApiClient, serial: str, u_position: int | None, ustart: int | None, uend: int | None
) -> int | None:
    """OCI's --ustart/--uend: oci keeps a machine's lowest U (u_position); its height
    is its product's (the racking rules' products, as OCI's productnames), so --uend
    is checked against the start and that height when known, not stored."""
    if ustart is not None and u_position is not None and ustart != u_position:
        raise click.UsageError(f"--ustart {ustart} and --u-position {u_position} differ")
    start = ustart if ustart is not None else u_position
    if uend is not None:
        if start is None:
            start = client.get(P("machines", serial, "settings"))["u_position"]
        if start is None:
            raise click.UsageError("--uend: give --ustart too (the machine's lowest U)")
        if uend < start:
            raise click.UsageError(f"--uend {uend} is below the machine's lowest U, {start}")
        height = _product_height(client, serial)
        if height is not None and uend != start + height - 1:
            raise click.UsageError(
                f"--uend {uend}: this machine's product is {height}U high in the racking "
                f"rules (profile-export's switches.products), so from U{start} it ends at "
                f"U{start + height - 1}"
            )
    return start


def _product_height(client: ApiClient, serial: str) -> int | None:
    """The machine's height in U, when the racking rules list its product."""
    product = client.get(P("machines", serial)).get("product_name")
    products = (client.get(P("profiles", "export")).get("switches") or {}).get("products") or {}
    height = products.get(product) if product else None
    return height if isinstance(height, int) else None


def _netmask(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--ipmi-netmask: said plainly here (the server's check is a pattern)."""
    if value is not None:
        try:
            valid = str(ipaddress.IPv4Network(f"0.0.0.0/{value}").netmask) == value
        except ValueError:
            valid = False
        if not valid:
            raise click.BadParameter(
                f"{value!r} is not an IPv4 netmask (ones then zeros, e.g. 255.255.255.0)"
            )
        if value == "0.0.0.0":
            raise click.BadParameter("0.0.0.0 leaves the BMC no network: give e.g. 255.255.255.0")
    return value


def _oci_ipmi(given: dict[str, Any]) -> dict[str, Any]:
    """OCI's --ipmi-* flags of machine-set -> the change of the BMC settings oci keeps
    (user name, address, port; the stored password stays); the rest are checked.
    --ipmi-netmask, --ipmi-default-gw and --ipmi-vlan are machine options (the table's)."""
    if given["ipmi_use"] == "no":
        raise click.UsageError(
            "--ipmi-use no: oci has no per-machine IPMI off switch (it talks to a BMC only "
            "when asked to); leave the option out"
        )
    if given["ipmi_call_chassis_bootdev"] == "no":
        raise click.UsageError(
            "--ipmi-call-chassis-bootdev no: oci always sets the boot device before it "
            "reboots a machine through its BMC; leave the option out"
        )
    body = {
        key: given[flag]
        for key, flag in (
            ("username", "ipmi_username"),
            ("address", "ipmi_addr"),
            ("port", "ipmi_port"),
        )
        if given[flag] is not None
    }
    return body


@commands.command("machine-set", cls=SetCommand)
@click.argument("serial", shell_complete=completer("machines", "serial"))
@option_flags.options(MACHINE_SPECS, ipmi_netmask={"callback": _netmask})
@click.option(
    "--gpu",
    "gpus",
    multiple=True,
    type=GpuType(),
    help="A GPU type to pass through (repeatable): "
    "name=t4,vendor=10de,product=1eb8[,type=type-PF][,vfio=10de:1eb8+10de:1af1]. "
    "Replaces the machine's list.",
)
@click.option(
    "--use-gpu",
    type=click.Choice(["yes", "no"]),
    help="OCI's: 'no' clears the GPU types (as --reset gpus); 'yes' with the --gpu-* flags.",
)
@click.option(
    "--gpu-name", metavar="NAME[,NAME]", help="OCI's: the GPU alias(es); replaces the list."
)
@click.option("--gpu-vendor-id", metavar="ID[,ID]", help="OCI's: their PCI vendor IDs, in order.")
@click.option(
    "--gpu-produc-id",
    "--gpu-product-id",
    "gpu_product_id",
    metavar="ID[,ID]",
    help="OCI's (its spelling): their PCI product IDs, in order.",
)
@click.option(
    "--gpu-device-type",
    type=click.Choice(list(GPU_DEVICE_TYPES)),
    help="OCI's: the device type of those GPUs.",
)
@click.option("--vfio-ids", metavar="VENDOR:PRODUCT[,..]", help="OCI's: the IDs vfio-pci claims.")
@click.option("--dc", "datacenter", metavar="NAME", help="Datacenter.")
@click.option("--row", metavar="NAME", help="Row of racks.")
@click.option("--rack", metavar="NAME", help="Rack.")
@click.option("--u-position", type=click.IntRange(1, 64), help="Lowest U of the machine.")
@click.option("--ustart", type=click.IntRange(1, 64), help="OCI's name of --u-position.")
@click.option(
    "--uend",
    type=click.IntRange(1, 64),
    help="OCI's top U: checked, not stored (a machine's height is its product's).",
)
@click.option(
    "--hostname",
    metavar="FQDN",
    help="OCI's rename: refused unless it is the current name (see machine-replace).",
)
@click.option("--ipmi-use", type=click.Choice(["yes", "no"]), help="OCI's: only 'yes' is taken.")
@click.option(
    "--ipmi-call-chassis-bootdev",
    type=click.Choice(["yes", "no"]),
    help="OCI's: only 'yes' is taken (oci always sets the boot device).",
)
@click.option("--ipmi-username", metavar="USER", help="BMC user name (as machine-set-ipmi).")
@click.option(
    "--ipmi-password",
    expose_value=False,
    callback=_refuse_ipmi_password,
    metavar="REFUSED",
    help="Refused: use machine-set-ipmi SERIAL --password-file FILE (or -).",
)
@click.option("--ipmi-addr", metavar="ADDRESS", help="BMC address (as machine-set-ipmi).")
@click.option("--ipmi-port", type=click.IntRange(1, 65535), help="BMC UDP port.")
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
    takes the cluster's option (cluster-set). OCI's --ipmi-username, --ipmi-addr
    and --ipmi-port change the BMC settings of machine-set-ipmi (never the
    password); --ipmi-netmask, --ipmi-default-gw and --ipmi-vlan are the BMC's
    LAN for machine-ipmi-setup and machine-apply-ipmi, over the ipmi
    network's. Its --use-gpu and --gpu-* flags set the machine's one GPU type
    (a list of names for several).

    \b
    Examples:
      ocicli machine-set S1 --install-on-raid yes --raid-type 1 --raid-dev sda --raid-dev sdb
      ocicli machine-set S1 --dest-blk nvme0n1
      ocicli machine-set S1 --dc dc1 --row b --rack r5 --u-position 12
      ocicli machine-set S1 --gpu name=t4,vendor=10de,product=1eb8 --cpu-model EPYC-Rome
      ocicli machine-set S1 --use-gpu yes --gpu-name t4 --gpu-vendor-id 10de \\
          --gpu-produc-id 1eb8 --gpu-device-type type-PCI --vfio-ids 10de:1eb8
      ocicli machine-set S1 --ipmi-addr 192.168.100.12 --ipmi-username oci
      ocicli machine-set S1 --ipmi-netmask 255.255.254.0 --ipmi-default-gw 10.0.0.254
      ocicli machine-set S1 --cpu-allocation-ratio 4 --nested-virt yes --compute-is-cephosd yes
      ocicli machine-set S1 --reset gpus
    """
    client = client_from(ctx)
    hostname = values.pop("hostname")
    if hostname is not None:
        current = client.get(P("machines", serial, "settings"))["hostname"]
        if hostname != current:
            raise click.UsageError(
                f"--hostname: oci does not rename a machine (its name, CLUSTER-ROLE-N.DOMAIN, "
                "is in its Puppet certificate, its addresses and the cluster's ENC); to give "
                f"it another, put a new machine in its place (ocicli machine-replace {serial} "
                "NEW_SERIAL) or re-enrol it (machine-remove, then machine-add)"
            )
    ipmi = {flag: values.pop(flag) for flag in IPMI_FLAGS}
    gpu_flags = {flag: values.pop(flag) for flag in GPU_FLAGS}
    use_gpu = values.pop("use_gpu")
    ustart, uend = values.pop("ustart"), values.pop("uend")
    values["u_position"] = _oci_place(client, serial, values["u_position"], ustart, uend)
    new_gpus = _oci_gpus(client, serial, use_gpu, gpu_flags, values["gpus"])
    values["gpus"] = list(values["gpus"]) or None
    if new_gpus == []:
        reset = (*reset, "gpus")
    elif new_gpus is not None:
        values["gpus"] = new_gpus
    values["raid_devices"] = list(values["raid_devices"]) or None
    # Checked before anything is written: a refused flag changes nothing.
    ipmi_asked = any(v is not None for v in ipmi.values())
    ipmi_body = _oci_ipmi(ipmi) if ipmi_asked else {}
    settings_given = any(v is not None and v != () for v in values.values()) or reset
    if not settings_given and (ipmi_asked or hostname is not None or use_gpu or uend):
        shown = client.get(P("machines", serial, "settings"))
    else:
        body = patch_body(values, reset, option_flags.booleans(MACHINE_SPECS))
        shown = client.patch(P("machines", serial, "settings"), body)
    settings = shown.pop("settings")
    out = shown | settings
    if ipmi_body:
        changed = client.patch(P("machines", serial, "ipmi"), ipmi_body)
        out["ipmi"] = {k: v for k, v in changed.items() if k != "serial"}
    emit_object(out, fmt, columns)
