"""ocicli: Swift rings: swift-calculate-ring, swift-ring-show, swift-publish-ring (OCI's names
and arguments)."""

from __future__ import annotations

import time
from typing import Any

import click

from oci.cli.client import ApiClient
from oci.cli.context import CommandSet, client_from, completer, output_options
from oci.cli.output import render_list

commands = CommandSet()

P = ApiClient.path
RING_COLUMNS = (
    "ring",
    "device_count",
    "partitions",
    "replicas",
    "zones",
    "balance",
    "dispersion",
    "added",
    "removed",
    "changed",
)


def _emit_rings(answer: dict[str, Any], fmt: str, columns: tuple[str, ...]) -> None:
    for problem in answer.get("problems", []):
        click.echo(f"warning: {problem}", err=True)
    if answer["rings"] or fmt != "table":
        click.echo(render_list(answer["rings"], fmt, columns, RING_COLUMNS))
    else:
        click.echo(f"no Swift ring is kept for cluster {answer['cluster']}")


@commands.command("swift-calculate-ring")
@click.argument("cluster", shell_complete=completer("clusters"))
@click.argument("weights", nargs=-1, type=click.FloatRange(min=0, min_open=True))
@click.option(
    "--ec-only",
    type=click.Choice(["yes", "no"]),
    default="no",
    show_default=True,
    help="Only the erasure-coded policy's ring.",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait for the rings and show them; --no-wait only starts the calculation "
    "(swift-ring-show and the API's .../swift-rings/calculation follow it).",
)
@click.option(
    "--max-wait",
    type=click.IntRange(1),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="Give up waiting after this long (the calculation goes on in the server).",
)
@output_options()
@click.pass_context
def swift_calculate_ring(
    ctx: click.Context,
    cluster: str,
    weights: tuple[float, ...],
    ec_only: str,
    wait: bool,
    max_wait: int,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Build or update the Swift rings of CLUSTER with swift-ring-builder.

    One device per data disk of every Swift store, weighing its size in GB, in the
    zone of its location and the region of its Swift region. WEIGHTS, as OCI's
    ACCOUNT_WEIGHT CONTAINER_WEIGHT OBJECT_WEIGHT, give every device of a ring
    that one weight instead. Kept rings are changed, never remade: partitions
    stay where they are. `-c devices` lists each ring's devices. The server
    builds in the background (at part power 19 a ring takes tens of seconds);
    this command waits for it, showing the time spent, unless --no-wait.
    """
    if len(weights) not in (0, 3):
        raise click.UsageError(
            "give no weight, or three: ACCOUNT_WEIGHT CONTAINER_WEIGHT OBJECT_WEIGHT"
        )
    body: dict[str, Any] = {"ec_only": ec_only == "yes"}
    if weights:
        body |= dict(
            zip(("account_weight", "container_weight", "object_weight"), weights, strict=True)
        )
    client = client_from(ctx)
    state = client.post(P("clusters", cluster, "swift-rings"), body)
    if not wait:
        click.echo(f"calculating the Swift rings of {state['cluster']} since {state['started_at']}")
        return
    answer = _waited(client, cluster, state, max_wait)
    _emit_rings(answer, fmt, columns)


POLL_SECONDS = 1.0
SAY_EVERY = 10  # seconds between progress lines


def _waited(
    client: ApiClient, cluster: str, state: dict[str, Any], max_wait: int
) -> dict[str, Any]:
    """The finished calculation's rings; progress on stderr while it runs."""
    began = time.monotonic()
    said = began
    while state["state"] == "running":
        now = time.monotonic()
        if now - began > max_wait:
            raise click.ClickException(
                f"the rings of {cluster} are still being built after {max_wait} s; "
                "the server goes on: see swift-ring-show later"
            )
        if now - said >= SAY_EVERY:
            click.echo(f"building the Swift rings of {cluster}: {now - began:.0f} s", err=True)
            said = now
        time.sleep(POLL_SECONDS)
        state = client.get(P("clusters", cluster, "swift-rings", "calculation"))
    if state["state"] != "done" or state["result"] is None:
        raise click.ClickException(state.get("error") or f"the calculation {state['state']}")
    result: dict[str, Any] = state["result"]
    return result


@commands.command("swift-ring-show")
@click.argument("cluster", shell_complete=completer("clusters"))
@output_options()
@click.pass_context
def swift_ring_show(ctx: click.Context, cluster: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show the Swift rings kept for CLUSTER (`-c devices` lists their devices)."""
    _emit_rings(client_from(ctx).get(P("clusters", cluster, "swift-rings")), fmt, columns)


@commands.command("swift-publish-ring")
@click.argument("cluster", shell_complete=completer("clusters"))
@click.option("--port", type=click.IntRange(1, 65535), help="SSH port (default: the server's).")
@output_options()
@click.pass_context
def swift_publish_ring(
    ctx: click.Context, cluster: str, port: int | None, fmt: str, columns: tuple[str, ...]
) -> None:
    """Send the rings of CLUSTER to its Swift nodes' /etc/swift over SSH.

    The Swift stores and proxies, and the controllers when the cluster has
    stores. Only the SSH host keys each node reported at discovery are
    trusted. Exits 1 when a node did not get them.
    """
    body: dict[str, Any] = {} if port is None else {"port": port}
    answer = client_from(ctx).post(P("clusters", cluster, "swift-rings", "publish"), body)
    nodes = answer["nodes"]
    click.echo(render_list(nodes, fmt, columns, ("hostname", "address", "sent", "error")))
    if not all(node["sent"] for node in nodes):
        ctx.exit(1)
