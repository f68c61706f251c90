"""ocicli commands for hardware RAID, with OCI's names: machine-megacli-apply,
machine-megacli-reset-raid, machine-check-megacli-applied. Whatever the vendor
tool (storcli, perccli, megacli, ssacli: the server picks it by the BMC quirks),
the names stay OCI's, so that its operators' scripts keep working."""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from oci.cli.client import ApiClient, ApiError
from oci.cli.context import CommandSet, client_from, completer, emit_object, output_options

commands = CommandSet()

P = ApiClient.path
MACHINE = click.argument("machine", shell_complete=completer("machines", "serial"))
PROFILE = click.argument("profile", required=False)
# A controller's reset and build take minutes on some; the server bounds each command.
RAID_WAIT = 1800.0
SUMMARY = ("serial", "profile", "tool", "controller", "status", "applied")


def _client(ctx: click.Context) -> ApiClient:
    api = client_from(ctx)
    if ctx.find_root().get_parameter_source("timeout") is not ParameterSource.COMMANDLINE:
        api.timeout = max(api.timeout, RAID_WAIT)
    return api


def _print_ran(ran: list[dict[str, Any]]) -> None:
    for item in ran:
        mark = "ok  " if item.get("exit_status") == 0 else "FAIL"
        click.echo(f"{mark} {item.get('command')}", err=True)


def _print_profile(result: dict[str, Any]) -> None:
    """The profile the server used (named, applied, or the matcher's winner), first."""
    if result.get("profile"):
        click.echo(f"profile: {result['profile']}", err=True)


def _post(ctx: click.Context, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        result: dict[str, Any] = _client(ctx).post(path, body)
    except ApiError as exc:
        _print_ran(exc.details.get("ran") or [])
        raise
    return result


def _emit(result: dict[str, Any], fmt: str, columns: tuple[str, ...]) -> None:
    if fmt == "table" and not columns:
        for reason in result.get("reasons") or []:
            click.echo(f"does not fit: {reason}", err=True)
        for note in result.get("notes") or []:
            click.echo(f"note: {note}", err=True)
        result = {k: v for k, v in result.items() if k in SUMMARY}
    emit_object(result, fmt, columns)


@commands.command("machine-megacli-apply")
@MACHINE
@PROFILE
@click.option(
    "-d",
    "--debug",
    "dry_run",
    is_flag=True,
    help="OCI's debug: print the commands, one a line, and run none.",
)
@click.option("--force", is_flag=True, help="Build again even if the controller already fits.")
@output_options()
@click.pass_context
def machine_megacli_apply(
    ctx: click.Context,
    machine: str,
    profile: str | None,
    dry_run: bool,
    force: bool,
    fmt: str,
    columns: tuple[str, ...],
) -> None:
    """Build MACHINE's hardware RAID as its hardware PROFILE says (default: the
    profile applied to it, else the one that matches it, as machine-guessed-profile
    says), with the controller's tool in its live system. The controller is
    cleared first (its data is lost); nothing runs if it already fits the
    profile. The profile used goes to stderr first, then each command that ran;
    -d shows both without running anything.

    \b
    Examples:
      ocicli machine-megacli-apply 5KXY123
      ocicli machine-megacli-apply 5KXY123 compute-with-var-lib-nova-instance -d
    """
    body: dict[str, Any] = {"dry_run": dry_run, "force": force}
    if profile is not None:
        body["profile"] = profile
    result = _post(ctx, P("machines", machine, "raid", "apply"), body)
    _print_profile(result)
    _print_ran(result.get("ran") or [])
    if dry_run and fmt == "table" and not columns:
        for line in result.get("planned") or []:
            click.echo(line)
        return
    _emit(result, fmt, columns)


@commands.command("machine-megacli-reset-raid")
@MACHINE
@output_options()
@click.pass_context
def machine_megacli_reset_raid(
    ctx: click.Context, machine: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Clear MACHINE's RAID controller in its live system: foreign configurations,
    every volume (their data is lost), drives back to unconfigured good."""
    result = _post(ctx, P("machines", machine, "raid", "reset"), {})
    _print_ran(result.get("ran") or [])
    _emit(result, fmt, columns)


@commands.command("machine-check-megacli-applied")
@MACHINE
@PROFILE
@output_options()
@click.pass_context
def machine_check_megacli_applied(
    ctx: click.Context, machine: str, profile: str | None, fmt: str, columns: tuple[str, ...]
) -> None:
    """Say whether MACHINE's RAID controller, read in its live system, fits its
    hardware PROFILE (default: the profile applied to it, else the one that
    matches it, as machine-guessed-profile says): "yes" or "no", as OCI prints
    it, and on stderr the profile used and what does not fit. Changes nothing."""
    body = {"profile": profile} if profile is not None else {}
    result = _post(ctx, P("machines", machine, "raid", "check"), body)
    _print_profile(result)
    if fmt == "table" and not columns:
        for reason in result.get("reasons") or []:
            click.echo(f"does not fit: {reason}", err=True)
        click.echo("yes" if result.get("applied") else "no")
        return
    emit_object(result, fmt, columns)
