"""ocicli: OCI's cluster-wide commands: cluster-install, cluster-reset, the role
counters (cluster-rolecounts-*) and Filebeat's output hosts (filebeat-output-host-*)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import click

from oci.cli.client import ApiClient, ApiError
from oci.cli.context import (
    CommandSet,
    client_from,
    completer,
    emit_object,
    list_and_emit,
    output_options,
)
from oci.cli.output import render_list

commands = CommandSet()
P = ApiClient.path
CLUSTER = click.argument("name", metavar="CLUSTER", shell_complete=completer("clusters"))

# OCI's cluster-install order: Ceph monitors, then OSDs (hyper-converged computes
# too), messaging, controllers, network nodes, then the rest. Each wave: which
# roles, and what to wait for before the next (None: nothing). sql is not in
# OCI's list: its databases must be up before the controllers, like messaging.
WAVES: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("Ceph MON", ("cephmon",), "installed"),
    ("Ceph OSD", ("cephosd", "compute+osd"), "installed"),
    ("messaging and SQL", ("messaging", "sql"), None),
    ("controller", ("controller",), "puppet-success"),
    ("network", ("network",), "puppet-success"),
    (
        "other",
        ("compute", "volume", "swiftproxy", "swiftstore", "dns", "debmirror"),
        "puppet-success",
    ),
)
INSTALLED_OR_LATER = {"installed", "firstboot", "puppet-running", "puppet-success"}
FAILED = {"install-failed", "puppet-failure"}


def _reached(status: str, goal: str) -> bool:
    return status == goal or (goal == "installed" and status in INSTALLED_OR_LATER)


def _waves(api: ApiClient, name: str) -> list[tuple[str, list[dict[str, Any]], str | None]]:
    machines = list(api.iterate(P("clusters", name, "machines")))
    osd_computes = {
        m["serial"]
        for m in machines
        if m["role"] == "compute"
        and api.get(P("machines", m["serial"], "settings"))["settings"].get("compute_is_cephosd")
    }
    placed: set[str] = set()
    waves = []
    for label, roles, goal in WAVES:
        members = []
        for machine in machines:
            kind = "compute+osd" if machine["serial"] in osd_computes else machine["role"]
            if kind in roles:
                members.append(machine)
                placed.add(machine["serial"])
        waves.append((label, members, goal))
    rest = [m for m in machines if m["serial"] not in placed]
    if rest:  # roles of the operator's: last
        waves.append(("operator roles", rest, None))
    return waves


def _wait(
    api: ApiClient, serials: Iterable[str], goal: str, interval: float, deadline: float
) -> None:
    pending = set(serials)
    while pending:
        for serial in sorted(pending):
            status = str(api.get(P("machines", serial))["status"])
            if status in FAILED:
                raise click.ClickException(f"machine {serial} is {status}: stopping here")
            if _reached(status, goal):
                click.echo(f"  {serial}: {status}")
                pending.discard(serial)
        if pending:
            if time.monotonic() > deadline:
                waiting = ", ".join(sorted(pending))
                raise click.ClickException(f"still waiting for {goal} of: {waiting}")
            time.sleep(interval)


@commands.command("cluster-install")
@CLUSTER
@click.option("--no-wait", is_flag=True, help="Start every wave at once; wait for nothing.")
@click.option(
    "--interval", type=click.FloatRange(min=1), default=10.0, show_default=True, help="Seconds."
)
@click.option(
    "--wave-timeout",
    type=click.FloatRange(min=1),
    default=7200.0,
    show_default=True,
    help="Seconds a wave may take to install (and run Puppet).",
)
@click.pass_context
def cluster_install(
    ctx: click.Context, name: str, no_wait: bool, interval: float, wave_timeout: float
) -> None:
    """Install every live machine of CLUSTER, in OCI's order.

    Ceph monitors, then Ceph OSD nodes (installed before going on), messaging
    and SQL nodes, controllers (installed and Puppet succeeded), network nodes
    (the same), then computes, volume, Swift and DNS nodes. A machine that is
    not live is left as it is; one that fails stops the command.
    """
    api = client_from(ctx)
    click.echo(f"Installing cluster {name}...")
    for label, members, goal in _waves(api, name):
        if not members:
            continue
        started = []
        for machine in members:
            if machine["status"] != "live":
                click.echo(f"{label}: {machine['serial']} is {machine['status']}: left as it is")
                continue
            result = api.post(P("machines", machine["serial"], "install"), {})
            click.echo(f"{label}: installing {machine['serial']} ({result.get('hostname')})")
            started.append(machine["serial"])
        if goal is not None and not no_wait:
            click.echo(f"Waiting for the {label} machines: {goal}")
            _wait(
                api, [m["serial"] for m in members], goal, interval, time.monotonic() + wave_timeout
            )


@commands.command("cluster-reset")
@CLUSTER
@click.option("--yes", is_flag=True, help="Do not ask for the uppercase YES.")
@click.pass_context
def cluster_reset(ctx: click.Context, name: str, yes: bool) -> None:
    """Reboot every machine of CLUSTER that is not live on the live image (IPMI).

    As OCI's, it asks for an uppercase YES first: the machines' systems are
    reinstalled when they are installed again.
    """
    if not yes:
        answer = click.prompt("Please confirm with uppercase YES", default="", show_default=False)
        if answer != "YES":
            # Nothing was reset: a failure, so that a script does not go on.
            click.echo("Didn't confirm: exiting... (answer YES, or pass --yes)", err=True)
            sys.exit(1)
    api = client_from(ctx)
    machines = [m for m in api.iterate(P("clusters", name, "machines")) if m["status"] != "live"]
    failed = 0
    for machine in machines:
        click.echo(f"IPMI reboot on live: {machine['serial']}")
        try:
            api.post(P("machines", machine["serial"], "reboot-on-live"), {"uefi": False})
        except ApiError as exc:  # keep going: reset the others
            failed += 1
            click.echo(f"  {machine['serial']}: {exc}", err=True)
    if failed:
        sys.exit(1)


@commands.command("cluster-rolecounts-list")
@CLUSTER
@output_options()
@click.pass_context
def cluster_rolecounts_list(
    ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """The host name counter of each role of CLUSTER: the N of its last CLUSTER-ROLE-N."""
    list_and_emit(ctx, ("clusters", name, "rolecounts"), fmt, columns, ("role", "count"))


@commands.command("cluster-rolecounts-set")
@CLUSTER
@click.argument("role", shell_complete=completer("roles"))
@click.argument("count", type=click.IntRange(0, 1_000_000))
@output_options()
@click.pass_context
def cluster_rolecounts_set(
    ctx: click.Context, name: str, role: str, count: int, fmt: str, columns: tuple[str, ...]
) -> None:
    """Set ROLE's counter of CLUSTER: its next machine-add is CLUSTER-ROLE-(COUNT+1).

    A count below a number in use is refused (two machines would share a host name).
    """
    result = client_from(ctx).put(P("clusters", name, "rolecounts", role), {"count": count})
    emit_object(result, fmt, columns)


def _emit_hosts(result: dict[str, Any], fmt: str, columns: tuple[str, ...]) -> None:
    text = render_list(result["items"], fmt, columns, ("cluster", "hostname", "port"))
    if text:
        click.echo(text)


def _hosts_command(name: str, doc: str, call: Callable[[ApiClient, str, str, int], Any]) -> None:
    @commands.command(name, help=doc)
    @CLUSTER
    @click.argument("hostname")
    @click.argument("port", type=click.IntRange(1, 65535))
    @output_options()
    @click.pass_context
    def command(
        ctx: click.Context, name: str, hostname: str, port: int, fmt: str, columns: tuple[str, ...]
    ) -> None:
        _emit_hosts(call(client_from(ctx), name, hostname, port), fmt, columns)


@commands.command("filebeat-output-host-list")
@CLUSTER
@output_options()
@click.pass_context
def filebeat_output_host_list(
    ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Where CLUSTER's Filebeat ships logs (the cluster option filebeat_output_hosts)."""
    _emit_hosts(client_from(ctx).get(P("clusters", name, "filebeat-output-hosts")), fmt, columns)


_hosts_command(
    "filebeat-output-host-create",
    "Ship CLUSTER's logs to HOSTNAME:PORT too (Filebeat, with --filebeat-enabled yes).",
    lambda api, name, host, port: api.post(
        P("clusters", name, "filebeat-output-hosts"), {"hostname": host, "port": port}
    ),
)
_hosts_command(
    "filebeat-output-host-delete",
    "Stop shipping CLUSTER's logs to HOSTNAME:PORT.",
    lambda api, name, host, port: api.delete(
        P("clusters", name, "filebeat-output-hosts", host, str(port))
    ),
)
