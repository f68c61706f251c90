"""ocicli commands that install a machine from its live system and reboot it over SSH."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

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
ADDRESS = click.option(
    "--address",
    help="SSH to this address [default: where its live system reported from; "
    "once installed, its first cluster address].",
)
PORT = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="SSH port [default: the server's live_ssh_port, 22].",
)
INTERVAL = click.option(
    "--interval",
    type=click.FloatRange(0.2, 60),
    default=2.0,
    show_default=True,
    help="Seconds between two reads of the log when following it.",
)
# Once the installer is done, the machine leaves these states.
RUNNING = {"installing"}
# How long --follow keeps asking while neither the log nor the server can be
# read (a live system busy installing under load, a server restarting): the
# installer runs on regardless and reports its end itself.
PATIENCE = 600.0


def _reach(address: str | None, port: int | None) -> dict[str, Any]:
    return {k: v for k, v in (("address", address), ("port", port)) if v is not None}


def _status(api: ApiClient, machine: str) -> str | None:
    """The machine's status, or None if the server cannot say right now."""
    try:
        return str(api.get(P("machines", machine))["status"])
    except ApiError as exc:
        if exc.passing:
            return None
        raise


def follow_log(
    api: ApiClient,
    machine: str,
    reach: dict[str, Any],
    *,
    follow: bool,
    interval: float,
    offset: int = 0,
    patience: float = PATIENCE,
    answered: bool = False,
) -> str:
    """Print the installer's log from `offset`; with `follow`, until the machine
    leaves `installing`. Returns the machine's last known status. `answered`:
    the server has answered already (no server at the URL is a mistake to say
    at once, not a pause to wait out)."""
    path = P("machines", machine, "install-log")
    failing_since: float | None = None
    while True:
        try:
            chunk = api.get(path, offset=offset, **reach)
        except ApiError as exc:
            if not follow or not exc.passing or (exc.code == "unreachable" and not answered):
                raise
            # Unreadable because the install is over (the installer rebooted the
            # machine, or failed and it went away): that status is the answer.
            status = _status(api, machine)
            if status is not None and status not in RUNNING:
                click.echo(f"(log not readable now: {exc}; the machine is {status})", err=True)
                return status
            # Else busy, or the server is: keep asking, a while.
            now = time.monotonic()
            failing_since = failing_since or now
            if now - failing_since > patience:
                raise ApiError(f"{exc} (for {patience:g} s: giving up following)") from exc
            click.echo(f"(log not readable now: {exc}; retrying)", err=True)
            time.sleep(interval)
            continue
        failing_since, answered = None, True
        if chunk["text"]:
            sys.stdout.write(chunk["text"])
            sys.stdout.flush()
        offset = chunk["offset"]
        more = offset < chunk["size"]
        if more:
            continue
        if not follow or chunk["status"] not in RUNNING:
            return str(chunk["status"])
        time.sleep(interval)


@commands.command("machine-install-os")
@MACHINE
@ADDRESS
@PORT
@click.option("--follow", is_flag=True, help="Then print the installer's log until it ends.")
@INTERVAL
@output_options()
@click.pass_context
def machine_install_os(
    ctx: click.Context,
    machine: str,
    address: str | None,
    port: int | None,
    follow: bool,
    interval: float,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Install Debian on MACHINE from its live system.

    The server checks that MACHINE is enrolled (machine-add) and live, moves it
    to `installing`, pushes its bundle over SSH (host key pinned from its
    discovery report; the server's key from `oci ssh-key` is in the live
    image), and starts the installer there, which reports `installed` (or
    `install-failed`) itself. Follow it with machine-install-log.

    \b
    Examples:
      ocicli machine-install-os 5KXY123 --follow
      ocicli machine-install-os 5KXY123 --address 192.0.2.50   # live system behind NAT
    """
    api = client_from(ctx)
    reach = _reach(address, port)
    result = api.post(P("machines", machine, "install"), reach)
    if not follow:
        emit_object(result, fmt, columns)
        return
    click.echo(f"installer started on {result['reached']} ({result['hostname']}); its log:")
    status = follow_log(api, machine, reach, follow=True, interval=interval, answered=True)
    click.echo(f"machine {machine}: {status}")
    if status != "installed":
        sys.exit(1)


@commands.command("machine-install-log")
@MACHINE
@ADDRESS
@PORT
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the install ends.")
@INTERVAL
@click.option("--offset", type=click.IntRange(0), default=0, help="Start at this byte.")
@click.pass_context
def machine_install_log(
    ctx: click.Context,
    machine: str,
    address: str | None,
    port: int | None,
    follow: bool,
    interval: float,
    offset: int,
) -> None:
    """Print the installer's log on MACHINE (read over SSH from its live system).

    With --follow it keeps printing until MACHINE leaves `installing`, then
    prints its status and exits 0 on `installed`, 1 otherwise. If the log
    cannot be read any more because the install is over, the status says why;
    while the live system or the server is too busy to answer (--timeout), it
    keeps asking for up to 10 minutes: the installer runs on regardless.

    \b
    Examples:
      ocicli machine-install-log 5KXY123
      ocicli machine-install-log 5KXY123 --follow
    """
    status = follow_log(
        client_from(ctx),
        machine,
        _reach(address, port),
        follow=follow,
        interval=interval,
        offset=offset,
    )
    if follow:
        click.echo(f"machine {machine}: {status}")
        if status != "installed":
            sys.exit(1)


def _reboot_command(name: str, boot: str, what: str) -> None:
    @commands.command(name, help=f"Reboot MACHINE over SSH {what}.")
    @MACHINE
    @ADDRESS
    @PORT
    @output_options()
    @click.pass_context
    def reboot(
        ctx: click.Context,
        machine: str,
        address: str | None,
        port: int | None,
        fmt: str,
        columns: tuple[str, ...],
    ) -> None:
        body = {"boot": boot, **_reach(address, port)}
        emit_object(client_from(ctx).post(P("machines", machine, "reboot"), body), fmt, columns)


_reboot_command(
    "machine-reboot-on-live",
    "live",
    "on the live image: its state goes back to live, so the boot service sends the live "
    "image (use machine-ipmi-reboot-on-live for a machine SSH cannot reach)",
)
_reboot_command(
    "machine-reboot-on-hdd",
    "hdd",
    "on its installed disk (it must be installed: the boot service then answers 'local disk')",
)
