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
from oci.cli.output import render_list

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
        # "-": the first line of stdin (a pipe from a secret store, say).
        text = sys.stdin.read() if str(password_file) == "-" else password_file.read_text()
        lines = text.splitlines()
        where = "stdin" if str(password_file) == "-" else str(password_file)
        if not lines or not lines[0]:
            raise click.UsageError(f"{where} holds no password on its first line")
        return lines[0]
    if not sys.stdin.isatty():
        raise click.UsageError(
            "give --password-file FILE, or --password-file - to read it from stdin "
            "(no terminal to ask the password on)"
        )
    return click.prompt("BMC password", hide_input=True, confirmation_prompt=True)


# OCI's positional form: SERIAL USE-IPMI ADDRESS PORT USERNAME PASSWORD.
OCI_FORM = "SERIAL yes ADDRESS PORT USERNAME"


def _oci_form(rest: tuple[str, ...], username: str | None) -> tuple[str, str, int]:
    """OCI's positional arguments after the serial -> (username, address, port);
    its password, the sixth, is refused: it would be on a command line."""
    if len(rest) >= 5:
        raise click.UsageError(
            "a password on the command line is refused (shell history, ps): drop it and "
            f"give the rest ({OCI_FORM}) with --password-file FILE, --password-file - "
            "(stdin), or type it at the prompt"
        )
    if len(rest) != 4:
        raise click.UsageError(
            f"OCI's form is {OCI_FORM} (the password from --password-file FILE, "
            "--password-file - for stdin, or the prompt); oci's: SERIAL --username USER"
        )
    use, address, port_text, user = rest
    if use.lower() != "yes":
        raise click.UsageError(
            f"use-ipmi {use!r}: oci has no per-machine IPMI off switch (it talks to a BMC "
            "only when asked to); give 'yes', or leave the machine's credentials as they are"
        )
    if username is not None and username != user:
        raise click.UsageError(f"--username {username} and the positional user {user} differ")
    if not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise click.UsageError(f"port {port_text!r} is not a UDP port (1-65535)")
    return user, address, int(port_text)


# Unknown options become positionals: a password that starts with '-' is then
# refused as a password, not echoed back in click's "no such option" message.
@commands.command("machine-set-ipmi", context_settings={"ignore_unknown_options": True})
@MACHINE
@click.argument("oci_args", nargs=-1, metavar=f"[{OCI_FORM.removeprefix('SERIAL ')}]")
@click.option("--username", help="IPMI user name.")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="File whose first line is the password; '-' reads stdin (else a prompt).",
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
@click.option(
    "--do-ipmitool-cmds",
    is_flag=True,
    help="OCI's: then give the BMC these settings from its live system (machine-apply-ipmi).",
)
@click.option("--ipmi-defgw", metavar="GATEWAY", help="With --do-ipmitool-cmds: the gateway.")
@click.option("--ipmi-netmask", metavar="NETMASK", help="With --do-ipmitool-cmds: the netmask.")
@click.option(
    "--ipmi-call-chassis-bootdev",
    type=click.Choice(["yes", "no"]),
    help="OCI's; oci always sets the boot device before a reboot: only 'yes' is taken.",
)
@output_options()
@click.pass_context
def machine_set_ipmi(
    ctx: click.Context,
    machine: str,
    oci_args: tuple[str, ...],
    username: str | None,
    password_file: Path | None,
    address: str | None,
    port: int | None,
    do_ipmitool_cmds: bool,
    ipmi_defgw: str | None,
    ipmi_netmask: str | None,
    ipmi_call_chassis_bootdev: str | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Store how oci reaches MACHINE's BMC. The password is encrypted at rest
    and never shown again (machine-show does not print it).

    OCI's positional form is taken too, without its last argument, the
    password: oci refuses passwords on command lines (shell history, ps).

    \b
    Examples:
      ocicli machine-set-ipmi 5KXY123 --username oci --password-file /root/bmc.pass
      ocicli machine-set-ipmi 5KXY123 --username oci --address 10.10.0.12   # asks
      pass show bmc/5KXY123 | ocicli machine-set-ipmi 5KXY123 yes 10.10.0.12 623 oci \\
          --password-file -
      ocicli machine-set-ipmi --do-ipmitool-cmds --ipmi-netmask 255.255.255.0 \\
          5KXY123 yes 10.10.0.12 623 oci --password-file /root/bmc.pass
    """
    if oci_args:
        username, oci_address, oci_port = _oci_form(oci_args, username)
        if address is not None and address != oci_address:
            raise click.UsageError(f"--address {address} and the positional {oci_address} differ")
        address, port = oci_address, port if port is not None else oci_port
    if username is None:
        raise click.UsageError(f"give --username USER (or OCI's form: {OCI_FORM})")
    if ipmi_call_chassis_bootdev == "no":
        raise click.UsageError(
            "--ipmi-call-chassis-bootdev no: oci always sets the boot device before it "
            "reboots a machine through its BMC; leave the option out"
        )
    if (ipmi_defgw or ipmi_netmask) and not do_ipmitool_cmds:
        raise click.UsageError("--ipmi-defgw and --ipmi-netmask go with --do-ipmitool-cmds")
    body: dict[str, Any] = {"username": username, "password": _read_password(password_file)}
    if address is not None:
        body["address"] = address
    if port is not None:
        body["port"] = port
    api = client_from(ctx)
    result = api.put(P("machines", machine, "ipmi"), body)
    if do_ipmitool_cmds:
        try:
            result = _apply(ctx, api, machine, ipmi_netmask, ipmi_defgw)
        except ApiError as exc:
            # The store above succeeded: say so, and how to finish.
            raise click.ClickException(
                f"the BMC settings of {machine} are stored, but giving them to the BMC "
                f"failed: {exc}; once fixed: ocicli machine-apply-ipmi {machine}"
            ) from exc
        if fmt == "table" and not columns:
            result = {k: v for k, v in result.items() if k != "steps"}
    emit_object(result, fmt, columns)


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


# --- OCI's other BMC commands ------------------------------------------------------------

# ipmitool on the live system, then a login over the network: minutes on slow BMCs.
LIVE_WAIT = 900.0


def _long_wait(ctx: click.Context, api: ApiClient) -> ApiClient:
    root = ctx.find_root()
    if root.get_parameter_source("timeout") is not ParameterSource.COMMANDLINE:
        api.timeout = max(api.timeout, LIVE_WAIT)
    return api


def _live_post(ctx: click.Context, api: ApiClient, path: str, body: dict[str, Any]) -> Any:
    """POST a live-system run; its steps go to stderr, one line each, failed or not."""
    _long_wait(ctx, api)
    try:
        result = api.post(path, body)
    except ApiError as exc:
        _print_steps(exc.details.get("steps") or [])
        raise
    _print_steps(result.get("steps") or [])
    return result


def _apply(
    ctx: click.Context,
    api: ApiClient,
    machine: str,
    netmask: str | None,
    gateway: str | None,
) -> dict[str, Any]:
    body = {k: v for k, v in (("netmask", netmask), ("gateway", gateway)) if v is not None}
    click.echo(f"applying the stored BMC settings of {machine} from its live system...", err=True)
    result: dict[str, Any] = _live_post(ctx, api, P("machines", machine, "ipmi", "apply"), body)
    return result


# The server gives ipmitool three times bmc_timeout (ipmitool retries on its own).
IPMI_CMD_WAIT = 400.0


# Options-looking words reach the server, whose refusal says why.
@commands.command("machine-ipmi-cmd", context_settings={"ignore_unknown_options": True})
@MACHINE
@click.argument("command", nargs=-1, required=True)
@click.pass_context
def machine_ipmi_cmd(ctx: click.Context, machine: str, command: tuple[str, ...]) -> None:
    """Run an ipmitool COMMAND against MACHINE's BMC over the network, from the oci
    server, with the stored login, and print what ipmitool printed; the exit
    status is ipmitool's. The password goes to ipmitool in its environment.

    COMMAND is what follows ipmitool's options, one argument as in OCI or
    several words. Only forms that read the BMC or drive power, boot device,
    identify and SOL sessions are run (chassis status/power/bootdev/identify,
    power, mc info/selftest/guid/reset, sel list/elist/info/get/clear, sdr
    list/elist/type, sensor list/get, fru print, lan print, user list, channel
    info/getaccess, sol info/deactivate...). Refused: anything that reads or
    writes a file on the server (exec, shell, sdr dump, sel save/readraw, fru
    read/write, any word with a '/'), anything with a password in its arguments
    ('password', user test, raw: use machine-renew-ipmi-password or
    machine-set-ipmi --password-file), options (oci sets them) and 'sol
    activate' (use machine-console).

    \b
    Examples:
      ocicli machine-ipmi-cmd 5KXY123 "chassis power status"
      ocicli machine-ipmi-cmd 5KXY123 sel list
    """
    text = command[0] if len(command) == 1 else shlex.join(command)
    api = client_from(ctx)
    if ctx.find_root().get_parameter_source("timeout") is not ParameterSource.COMMANDLINE:
        api.timeout = max(api.timeout, IPMI_CMD_WAIT)
    result = api.post(P("machines", machine, "ipmi", "command"), {"command": text})
    if result.get("output"):
        click.echo(result["output"])
    ctx.exit(result.get("exit_status", 0))


@commands.command("machine-apply-ipmi")
@MACHINE
@click.option(
    "--ipmi-netmask",
    metavar="NETMASK",
    help="[default: the machine's ipmi_netmask (machine-set --ipmi-netmask), else the ipmi "
    "network's].",
)
@click.option(
    "--ipmi-defgw",
    metavar="GATEWAY",
    help="[default: the machine's ipmi_default_gw (machine-set --ipmi-default-gw), else the "
    "first host of the network the netmask makes around the address].",
)
@output_options()
@click.pass_context
def machine_apply_ipmi(
    ctx: click.Context,
    machine: str,
    ipmi_netmask: str | None,
    ipmi_defgw: str | None,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Give MACHINE's BMC the user, password and address oci stores for it
    (machine-set-ipmi), with ipmitool in its live system, as OCI does; then log
    in over the network to check. The netmask, gateway and VLAN are, each: the
    option given here, else the machine's own (machine-set --ipmi-netmask,
    --ipmi-default-gw, --ipmi-vlan), else those of the cluster's ipmi network
    holding the address. Each step goes to stderr; the inventory does not change.

    \b
    Example:
      ocicli machine-apply-ipmi 5KXY123
    """
    result = _apply(ctx, client_from(ctx), machine, ipmi_netmask, ipmi_defgw)
    if fmt == "table" and not columns:
        result = {k: v for k, v in result.items() if k != "steps"}
    emit_object(result, fmt, columns)


def _live_command(name: str, path: tuple[str, ...], doc: str, doing: str) -> None:
    @commands.command(name, help=doc)
    @MACHINE
    @output_options()
    @click.pass_context
    def run(ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]) -> None:
        click.echo(f"{doing} {machine} from its live system...", err=True)
        result = _live_post(ctx, client_from(ctx), P("machines", machine, *path), {})
        output = result.pop("output", "")
        if output and fmt == "table" and not columns:
            click.echo(output)
        if fmt == "table" and not columns:
            result.pop("steps", None)
        emit_object(result, fmt, columns)


_live_command(
    "machine-renew-ipmi-password",
    ("ipmi", "renew-password"),
    "Give the stored BMC user of MACHINE a new password that the server generates, "
    "set with ipmitool in its live system; oci saves it as soon as the BMC took it "
    "and never shows it (machine-console uses it). Then it logs in over the network "
    "to check.",
    "renewing the BMC password of",
)
_live_command(
    "machine-hpe-ilo-license-install",
    ("hpe", "ilo-license"),
    "Install the iLO licence that the live image carries (/root/License.xml, or the "
    "BMC quirks' ilo_license_file) with hponcfg on MACHINE. For machines whose BMC "
    "quirks entry says hponcfg (HPE); a missing licence file is an error.",
    "installing the iLO licence of",
)
_live_command(
    "machine-hpe-activate-ipmi-over-lan",
    ("hpe", "ipmi-over-lan"),
    "Turn on IPMI over LAN on MACHINE's HPE iLO (off by default on some ProLiant) "
    "with hponcfg in its live system.",
    "turning on IPMI over LAN of",
)

# The server's error for a BMC its overall deadline left unchecked (oci/api/bmc.py).
NOT_CHECKED = "not checked: time limit"
CHECK_COLUMNS = ("serial", "hostname", "address", "datacenter", "row", "rack", "ok", "error")


@commands.command("check-all-ipmi")
@click.argument("filter_", metavar="[FILTER]", required=False)
@output_options()
@click.pass_context
def check_all_ipmi(
    ctx: click.Context, filter_: str | None, fmt: str, columns: tuple[str, ...]
) -> None:
    """Ask every machine's BMC for its power status with the stored login and
    say which answer. FILTER narrows the machines: cluster=NAME, status=STATUS or
    serial=PATTERN (shell pattern), several joined with commas. (OCI's FILTER is
    an SQL condition on its CSV listing; oci takes these fields instead.) The
    whole check ends within 45 s on the server: BMCs not reached by then say
    "not checked: time limit" (a line on stderr says so; narrow FILTER). The
    exit status is 1 when a BMC did not answer or was not checked. Admins only.

    \b
    Examples:
      ocicli check-all-ipmi
      ocicli check-all-ipmi cluster=cl1,status=installed
      ocicli check-all-ipmi 'serial=5KX*' -f json
    """
    params: dict[str, str] = {}
    for part in (filter_ or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in ("cluster", "status", "serial") or not value.strip():
            raise click.UsageError(
                f"filter {part!r}: give cluster=NAME, status=STATUS or serial=PATTERN "
                "(comma-separated); OCI's SQL conditions are not taken"
            )
        params[name] = value.strip().strip("'\"")  # OCI's habit: status='live'
    api = client_from(ctx)
    _long_wait(ctx, api)
    result = api.get(P("ipmi-checks"), **params)
    items = result.get("items", [])
    text = render_list(items, fmt, columns, CHECK_COLUMNS)
    if text:
        click.echo(text)
    late = [item.get("serial") or "?" for item in items if item.get("error") == NOT_CHECKED]
    if late:
        click.echo(
            f"{len(late)} BMC(s) not checked: the server's time limit for the whole check "
            f"passed first ({', '.join(late)}); check them with a narrower FILTER",
            err=True,
        )
    if any(not item.get("ok") for item in items if item.get("address")):
        ctx.exit(1)
