"""ocicli: OCI's other machine commands: find by host name, disks, the install
command, the report counter, replace a machine, auto-add."""

from __future__ import annotations

import click

from oci.cli.client import ApiClient
from oci.cli.context import CommandSet, client_from, completer, emit_object, output_options
from oci.cli.output import check_columns, render_list

commands = CommandSet()
P = ApiClient.path

DISK_FIELDS = ("name", "size_bytes", "kind", "rotational", "model", "serial", "wwn", "transport")
DISK_COLUMNS = ("name", "kind", "size_bytes", "model", "serial", "transport")


@commands.command("machine-show-from-hostname")
@click.argument("hostname", shell_complete=completer("machines", "hostname"))
@output_options()
@click.pass_context
def machine_show_from_hostname(
    ctx: click.Context, hostname: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Show the machine whose host name is HOSTNAME (as machine-show does).

    \b
    Example: ocicli machine-show-from-hostname cl1-compute-1.example.com -c serial
    """
    client = client_from(ctx)
    found = client.get(P("machines"), hostname=hostname)["items"]
    if not found:
        raise click.ClickException(f"no machine has the host name {hostname!r}")
    emit_object(client.get(P("machines", str(found[0]["id"]))), fmt, columns)


@commands.command("machine-blk")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_blk(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
    """List MACHINE's disks as discovery found them (sizes in bytes).

    \b
    Example: ocicli machine-blk S1 -f value -c name
    """
    disks = client_from(ctx).get(P("machines", machine))["disk_list"]
    if not disks:  # render_list checks -c against the first disk's fields
        check_columns(columns, DISK_FIELDS)
    text = render_list(disks, fmt, columns, DISK_COLUMNS)
    if text:
        click.echo(text)


@commands.command("machine-display-install-cmd")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_display_install_cmd(
    ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Show what machine-install-os would run on MACHINE, without running it:
    the command, the installer's settings and the bundle's files (without
    their contents: some are keys). Refused as machine-install-os would be.

    \b
    Example: ocicli machine-display-install-cmd S1 -f json
    """
    emit_object(client_from(ctx).get(P("machines", machine, "install-command")), fmt, columns)


@commands.command("machine-report-counter-reset")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@click.pass_context
def machine_report_counter_reset(ctx: click.Context, machine: str) -> None:
    """Count MACHINE's discovery reports from zero again.

    The hands-free enrolment stages (auto_apply_after, auto_add_after) wait for
    their counts again: use it after fixing a machine, before it is enrolled.
    """
    client_from(ctx).post(P("machines", machine, "report-counter", "reset"), {})
    click.echo(f"report counter of machine {machine} reset to 0")


@commands.command("machine-replace")
@click.argument("old", shell_complete=completer("machines", "serial"))
@click.argument("new", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_replace(
    ctx: click.Context, old: str, new: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Put machine NEW in the place of machine OLD, which is forgotten.

    NEW (discovered, in no cluster) takes OLD's host name, cluster, role,
    location, addresses, machine-set options, root key pair and root password;
    OLD is then forgotten as by machine-destroy. NEW keeps its own hardware
    and state: install it next (machine-install-os). Hooks see OLD removed,
    then NEW enrolled.

    \b
    Example: ocicli machine-replace DEADBEEF1 CZ2041XYZ7
    """
    shown = client_from(ctx).post(P("machines", old, "replacement"), {"new": new})
    emit_object(shown, fmt, columns)


@commands.command("machine-auto-add")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_auto_add(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Add MACHINE to a cluster as its hardware profile says, now.

    What hands-free enrolment does after auto_add_after reports, whatever the
    count: the matching profile's options are applied (if none was yet), the
    machine is racked from LLDP, and added to the profile's cluster and role in
    the location its switch gives. Refused with the reason (no profile matches,
    the profile names no cluster, no location, max count reached), with
    nothing changed.
    """
    emit_object(client_from(ctx).post(P("machines", machine, "auto-add"), {}), fmt, columns)


@commands.command("machine-wipe")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@click.option(
    "--address", help="SSH to this address [default: where the live system reported from]."
)
@click.option("--port", type=click.IntRange(1, 65535), help="SSH port [default: live_ssh_port].")
@output_options()
@click.pass_context
def machine_wipe(
    ctx: click.Context,
    machine: str,
    address: str | None,
    port: int | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Wipe the disks of MACHINE, running the live image: DATA IS LOST.

    Over SSH in the live system: software RAID arrays are stopped, then on
    each disk discovery found (USB disks are left alone) the partition and
    RAID signatures are erased and the first 100 MiB zeroed. Refused unless
    the machine is live. For a machine to be installed afresh, or one whose
    old RAID members confuse the installer.

    \b
    Example: ocicli machine-wipe CZ2041XYZ7
    """
    body: dict[str, object] = {}
    if address is not None:
        body["address"] = address
    if port is not None:
        body["port"] = port
    emit_object(client_from(ctx).post(P("machines", machine, "wipe"), body), fmt, columns)
