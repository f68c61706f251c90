"""ocicli commands for a machine's BMC: credentials, power, boot device, console."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from oci.cli.client import ApiClient, ApiError
from oci.cli.context import (
    CommandSet,
    client_from,
    completer,
    emit_object,
    output_options,
)

commands = CommandSet()

P = ApiClient.path
MACHINE = click.argument("machine", shell_complete=completer("machines", "serial"))


def _refuse_password(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.UsageError(
            "a password on the command line is refused (shell history, ps): "
            "use --password-file FILE, or type it at the prompt"
        )


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        text = password_file.read_text()
        lines = text.splitlines()
        if not lines or not lines[0]:
            raise click.UsageError(f"{password_file} holds no password on its first line")
        return lines[0]
    if not sys.stdin.isatty():
        raise click.UsageError("give --password-file FILE (no terminal to ask the password on)")
    return click.prompt("BMC password", hide_input=True, confirmation_prompt=True)


@commands.command("machine-set-ipmi")
@MACHINE
@click.option("--username", required=True, help="IPMI user name.")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File whose first line is the password (else a prompt).",
)
@click.option(
    "--password",
    expose_value=False,
    callback=_refuse_password,
    hidden=True,
    help="Refused: passwords do not go on command lines.",
)
@click.option("--address", help="BMC address [default: the one discovery saw].")
@click.option("--port", type=click.IntRange(1, 65535), help="UDP port [default: 623].")
@output_options()
@click.pass_context
def machine_set_ipmi(
    ctx: click.Context,
    machine: str,
    username: str,
    password_file: Path | None,
    address: str | None,
    port: int | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Store how oci reaches MACHINE's BMC. The password is encrypted at rest
    and never shown again (machine-show does not print it).

    \b
    Examples:
      ocicli machine-set-ipmi 5KXY123 --username oci --password-file /root/bmc.pass
      ocicli machine-set-ipmi 5KXY123 --username oci --address 10.10.0.12   # asks
    """
    body: dict[str, Any] = {"username": username, "password": _read_password(password_file)}
    if address is not None:
        body["address"] = address
    if port is not None:
        body["port"] = port
    emit_object(client_from(ctx).put(P("machines", machine, "ipmi"), body), fmt, columns)


@commands.command("machine-ipmi-show")
@MACHINE
@output_options()
@click.pass_context
def machine_ipmi_show(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show how oci reaches MACHINE's BMC: address, port, user, whether a
    password is stored (never the password), and the address discovery saw."""
    emit_object(client_from(ctx).get(P("machines", machine, "ipmi")), fmt, columns)


# ipmitool in the live system, then a login to a BMC whose network restarts:
# minutes on slow BMCs. The server bounds every step; this only waits for it.
SETUP_WAIT = 900.0


def _print_steps(steps: list[dict[str, Any]]) -> None:
    for step in steps:
        mark = "ok  " if step.get("ok") else "FAIL"
        detail = f": {step['detail']}" if step.get("detail") else ""
        click.echo(f"{mark} {step.get('step')}  {step.get('command')}{detail}", err=True)


@commands.command("machine-ipmi-setup")
@MACHINE
@click.option(
    "--network",
    help="The ipmi network to take the address from [default: the cluster's only "
    "ipmi network in the machine's location].",
)
@click.option("--port", type=click.IntRange(1, 65535), help="UDP port [default: 623].")
@output_options()
@click.pass_context
def machine_ipmi_setup(
    ctx: click.Context,
    machine: str,
    network: str | None,
    port: int | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Set up MACHINE's BMC from its live system, as OCI does: ipmitool makes a
    user with a password the server generates and gives the BMC a static address
    on the cluster's ipmi network; oci keeps them only once it could log in to
    the BMC at that address. When the server answers, each step it ran goes to
    stderr, one line each, the failed one marked FAIL with its reason (then
    nothing was saved); the password is never shown.

    \b
    Examples:
      ocicli machine-ipmi-setup 5KXY123
      ocicli machine-ipmi-setup 5KXY123 --network ipmi-zone1
    """
    api = client_from(ctx)
    root = ctx.find_root()
    if root.get_parameter_source("timeout") is not ParameterSource.COMMANDLINE:
        api.timeout = max(api.timeout, SETUP_WAIT)
    body: dict[str, Any] = {}
    if network is not None:
        body["network"] = network
    if port is not None:
        body["port"] = port
    # The server answers only at the end (up to minutes): say what is going on.
    click.echo(
        f"setting up the BMC of {machine} from its live system "
        "(SSH, ipmitool, then a login over the network)...",
        err=True,
    )
    try:
        result = api.post(P("machines", machine, "ipmi", "setup"), body)
    except ApiError as exc:
        _print_steps(exc.details.get("steps") or [])
        raise
    _print_steps(result.get("steps") or [])
    if fmt == "table" and not columns:
        result = {k: v for k, v in result.items() if k != "steps"}
    emit_object(result, fmt, columns)


@commands.command("machine-power")
@MACHINE
@click.argument("action", type=click.Choice(["on", "off", "soft", "cycle", "reset", "status"]))
@output_options()
@click.pass_context
def machine_power(
    ctx: click.Context, machine: str, action: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Power MACHINE on, off (hard), soft (ACPI shutdown), cycle or reset, or
    show its power status, through its BMC.

    \b
    Examples:
      ocicli machine-power 5KXY123 status
      ocicli machine-power 5KXY123 cycle
    """
    api = client_from(ctx)
    path = P("machines", machine, "power")
    result = api.get(path) if action == "status" else api.post(path, {"action": action})
    emit_object(result, fmt, columns)


@commands.command("machine-bootdev")
@MACHINE
@click.argument("device", type=click.Choice(["pxe", "disk"]))
@click.option("--persistent", is_flag=True, help="Every boot, not only the next one.")
@click.option("--uefi", is_flag=True, help="Ask for a UEFI boot.")
@output_options()
@click.pass_context
def machine_bootdev(
    ctx: click.Context,
    machine: str,
    device: str,
    persistent: bool,
    uefi: bool,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Set the device MACHINE boots from next (pxe: the live system; disk)."""
    body = {"device": device, "persistent": persistent, "uefi": uefi}
    emit_object(client_from(ctx).post(P("machines", machine, "bootdev"), body), fmt, columns)


def _reboot_command(name: str, target: str, what: str) -> None:
    @commands.command(name, help=f"Set MACHINE to boot {what} next, and power-cycle it.")
    @MACHINE
    @click.option("--uefi", is_flag=True, help="Ask for a UEFI boot.")
    @output_options()
    @click.pass_context
    def reboot(
        ctx: click.Context, machine: str, uefi: bool, fmt: str, columns: tuple[str, ...]
    ) -> None:
        result = client_from(ctx).post(P("machines", machine, target), {"uefi": uefi})
        emit_object(result, fmt, columns)


_reboot_command("machine-ipmi-reboot-on-live", "reboot-on-live", "from the network (live)")
_reboot_command("machine-ipmi-reboot-on-hdd", "reboot-on-hdd", "from its disk")


def _private_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or str(Path.home() / ".cache")
    path = Path(base) / "oci"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


@commands.command("machine-console")
@MACHINE
@click.pass_context
def machine_console(ctx: click.Context, machine: str) -> None:
    """Print how to attach to MACHINE's serial console over LAN (ipmitool sol).

    The BMC password goes to a file only you can read, which the printed
    command names with -f: it never appears on a command line. Needs an admin.
    """
    secret = client_from(ctx).get(P("machines", machine, "ipmi", "password"))
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in machine)
    target = _private_dir() / f"bmc-{name}.pass"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret["password"] + "\n")
    target.chmod(0o600)
    argv = ["ipmitool", "-I", "lanplus", "-H", secret["address"], "-p", str(secret["port"])]
    argv += ["-U", secret["username"], "-f", str(target), "sol", "activate"]
    click.echo(shlex.join(argv))
