"""ocicli: the site's DNS and monitoring scripts, run for one machine on demand.

OCI's machine-to-dns, machine-out-of-dns, machine-to-monitoring and
machine-out-of-monitoring called its plugins' scripts. oci runs the hooks of
the events of the same names (HOOKS_DIR/to-dns/, ...: see docs/hooks.md) on
the server, waits for them and prints each outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from oci.cli.client import ApiClient
from oci.cli.context import CommandSet, client_from, completer

commands = CommandSet()
P = ApiClient.path

EVENTS = {
    "machine-to-dns": ("to-dns", "Add MACHINE's host name and addresses to the site's DNS"),
    "machine-out-of-dns": ("out-of-dns", "Take MACHINE's host name out of the site's DNS"),
    "machine-to-monitoring": ("to-monitoring", "Add MACHINE to the site's monitoring"),
    "machine-out-of-monitoring": (
        "out-of-monitoring",
        "Take MACHINE out of the site's monitoring",
    ),
}


def _make(name: str, event: str, summary: str) -> Callable[..., Any]:
    @commands.command(
        name,
        help=f"""{summary}: run the server's {event} hooks for it now, and wait.

        The hooks are the executables in HOOKS_DIR/{event}/ on the server (the
        hooks_dir setting), each given the machine's JSON document on stdin as
        for the other events (docs/hooks.md; a DNS hook of HOOKS_DIR/enrolled/
        can be linked there). Each outcome is printed and recorded as a
        machine event of kind hook. Exit status 1 if a hook failed, or if none
        is installed. MACHINE is a serial, host name, system UUID or id.

        \b
        Example: ocicli {name} cl1-compute-4.example.com
        """,
    )
    @click.argument("machine", shell_complete=completer("machines", "serial"))
    @click.option(
        "-d",
        "--debug",
        is_flag=True,
        help="OCI's flag, accepted: every outcome is always shown.",
    )
    @click.pass_context
    def run(ctx: click.Context, machine: str, debug: bool) -> None:
        ran = client_from(ctx).post(P("machines", machine, "hooks", event), {})
        failed = [o for o in ran["outcomes"] if not o["ok"]]
        for outcome in ran["outcomes"]:
            click.echo(outcome["summary"])
        if failed:
            raise click.ClickException(
                f"{len(failed)} of {len(ran['outcomes'])} {event} hook(s) failed "
                f"for {ran['hostname'] or ran['serial']}"
            )

    return run


for _name, (_event, _summary) in EVENTS.items():
    _make(_name, _event, _summary)
