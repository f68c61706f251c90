"""ocicli: wait for a machine's install or Puppet run (OCI's machine-wait-for-*).

They poll machine-show, print a dot per poll, and end with "ok." (exit 0),
or an error naming the state (exit 1): a failure state, or the time limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from oci.cli.client import ApiClient
from oci.cli.context import CommandSet, client_from, completer

commands = CommandSet()
P = ApiClient.path

# Every state an installed machine goes through: a poll may miss "installed"
# (the first boot follows within a minute), so the later ones count too.
INSTALLED = frozenset(
    {"installed", "firstboot", "puppet-running", "puppet-success", "puppet-failure"}
)
PUPPET_DONE = frozenset({"puppet-success"})


def _wait(
    ctx: click.Context,
    machine: str,
    what: str,
    done: frozenset[str],
    failed: dict[str, str],
    timeout: float,
    interval: float,
) -> None:
    client = client_from(ctx)
    click.echo(f"Waiting for {machine} {what}:", nl=False)
    deadline = time.monotonic() + timeout
    while True:
        status = str(client.get(P("machines", machine))["status"])
        if status in done:
            click.echo(" ok.")
            return
        if status in failed:
            click.echo(" failed.")
            raise click.ClickException(f"machine {machine} is {status}: {failed[status]}")
        if time.monotonic() + interval > deadline:
            click.echo(" timed out.")
            raise click.ClickException(
                f"timed out after {timeout:g} s: machine {machine} is still {status}"
            )
        click.echo(".", nl=False)
        time.sleep(interval)


def _timing(default_timeout: float) -> Callable[[Any], Any]:
    def wrap(fn: Any) -> Any:
        fn = click.option(
            "--interval",
            type=click.FloatRange(min=0.1),
            default=2.0,
            show_default=True,
            help="Seconds between two polls.",
        )(fn)
        fn = click.option(
            "--timeout",
            "wait_timeout",
            type=click.FloatRange(min=0),
            default=default_timeout,
            show_default=True,
            help="Give up (exit 1) after this many seconds.",
        )(fn)
        return fn

    return wrap


@commands.command("machine-wait-for-install")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@_timing(3600.0)
@click.pass_context
def machine_wait_for_install(
    ctx: click.Context, machine: str, wait_timeout: float, interval: float
) -> None:
    """Wait until MACHINE is installed (installed, or any later state).

    Exit status 0 then; 1 if the install failed (see machine-install-log) or
    the time limit passed. MACHINE is a serial, host name, system UUID or id.

    \b
    Example: ocicli machine-install-os S1 && ocicli machine-wait-for-install S1
    """
    failed = {"install-failed": "see ocicli machine-install-log and event-list --machine"}
    _wait(ctx, machine, "to be installed", INSTALLED, failed, wait_timeout, interval)


@commands.command("machine-wait-for-puppet")
@click.argument("machine", shell_complete=completer("machines", "serial"))
@_timing(12000.0)
@click.pass_context
def machine_wait_for_puppet(
    ctx: click.Context, machine: str, wait_timeout: float, interval: float
) -> None:
    """Wait until MACHINE's Puppet run ends: puppet-success.

    Exit status 0 on success; 1 on puppet-failure or install-failed, or when
    the time limit passed (OCI's command also stopped on failure, but with 0).

    \b
    Example: ocicli machine-wait-for-puppet cl1-controller-1.example.com
    """
    failed = {
        "puppet-failure": "see the node's Puppet log and ocicli event-list --machine",
        "install-failed": "see ocicli machine-install-log",
    }
    _wait(ctx, machine, "puppet run", PUPPET_DONE, failed, wait_timeout, interval)
