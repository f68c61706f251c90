"""ocicli profile-*, machine-guessed-profile, machine-guess-racking, machine-auto-rack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from oci.cli.client import ApiClient
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

PROFILE_COLUMNS = ("name", "role", "priority", "cluster", "location", "source")
PROFILE_TEST_COLUMNS = ("serial", "hostname", "status", "profile", "role", "candidates")
RACKING_COLUMNS = (
    "serial",
    "placed",
    "datacenter",
    "row",
    "rack",
    "u_position",
    "location",
    "aggregate",
    "flags",
)


def _file_body(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    return {"text": text, "source": Path(path).name}


FORMATS = click.Choice(["auto", "yaml", "oci"])


@commands.command("profile-import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "file_format",
    type=FORMATS,
    default="auto",
    show_default=True,
    help="oci: OCI's hardware-profiles.json or auto-racking.json; auto: by the file's shape.",
)
@click.pass_context
def profile_import(ctx: click.Context, file: str, file_format: str) -> None:
    """Validate the profiles FILE and load it all, or nothing.

    Its profiles replace those of the same name; a `switches:` section (or
    OCI's auto-racking.json) replaces the stored switch rules. Every mistake
    is named with its file, profile and field. What an OCI file says that oci
    cannot express is printed on stderr, one line each.

    \b
    Examples:
      ocicli profile-import /usr/share/doc/oci/examples/profiles.yaml
      ocicli profile-import /etc/openstack-cluster-installer/hardware-profiles.json
    """
    body = _file_body(file) | {"format": file_format}
    done = client_from(ctx).post(P("profiles", "import"), body)
    for note in done.get("notes", []):
        click.echo(f"not expressed: {note}", err=True)
    click.echo(
        f"imported {len(done['profiles'])} profile(s): {', '.join(done['profiles']) or '-'}"
        + (f"; {done['switch_rules']} switch rule(s)" if done["switch_rules"] else "")
    )


@commands.command("profile-list")
@output_options()
@click.pass_context
def profile_list(ctx: click.Context, fmt: str, columns: tuple[str, ...]) -> None:
    """List hardware profiles, highest priority first."""
    list_and_emit(ctx, "profiles", fmt, columns, PROFILE_COLUMNS)


@commands.command("profile-show")
@click.argument("name", shell_complete=completer("profiles"))
@output_options()
@click.pass_context
def profile_show(ctx: click.Context, name: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Show hardware profile NAME."""
    emit_object(client_from(ctx).get(P("profiles", name)), fmt, columns)


@commands.command("profile-delete")
@click.argument("name", shell_complete=completer("profiles"))
@click.pass_context
def profile_delete(ctx: click.Context, name: str) -> None:
    """Delete hardware profile NAME (one imported through the API)."""
    client_from(ctx).delete(P("profiles", name))
    click.echo(f"deleted profile {name}")


OCI_FILES = (("hardware_profiles", "hardware-profiles.json"), ("auto_racking", "auto-racking.json"))


def _export_oci(ctx: click.Context, output: str | None) -> None:
    done = client_from(ctx).get(P("profiles", "export", "oci"))
    for note in done["notes"]:
        click.echo(f"not expressed: {note}", err=True)
    if output is None:
        files = {name: done[key] for key, name in OCI_FILES}
        click.echo(json.dumps(files, indent=4))
        return
    folder = Path(output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for key, name in OCI_FILES:
            (folder / name).write_text(json.dumps(done[key], indent=4) + "\n", encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write to {output}: {exc}") from exc
    click.echo(f"wrote {', '.join(name for _, name in OCI_FILES)} to {output}")


@commands.command("profile-export")
@click.option(
    "-o", "--output", type=click.Path(), help="Write to this file (a directory with --format oci)."
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["yaml", "oci"]),
    default="yaml",
    show_default=True,
    help="oci: OCI's hardware-profiles.json and auto-racking.json.",
)
@click.pass_context
def profile_export(ctx: click.Context, output: str | None, file_format: str) -> None:
    """Print every profile and switch rule in effect as a profiles file.

    With --format oci, as OCI's two files (written into the directory -o
    names, or printed as one JSON object keyed by file name); what they
    cannot say is printed on stderr.
    """
    if file_format == "oci":
        _export_oci(ctx, output)
        return
    document = client_from(ctx).get(P("profiles", "export"))
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(document['profiles'])} profile(s) to {output}")
    else:
        click.echo(text, nl=False)


@commands.command("profile-test")
@click.argument("file", type=click.Path(dir_okay=False))
@output_options()
@click.pass_context
def profile_test(ctx: click.Context, file: str, fmt: str, columns: tuple[str, ...]) -> None:
    """Match the profiles FILE against every machine, without saving it.

    \b
    Example: ocicli profile-test new-profiles.yaml -f json
    """
    result = client_from(ctx).post(P("profiles", "test"), _file_body(file))
    if fmt in ("json", "yaml"):
        emit_object(result, fmt, columns)
        return
    text = render_list(result["items"], fmt, columns, PROFILE_TEST_COLUMNS)
    if text:
        click.echo(text)
    if fmt == "table":
        wins = ", ".join(f"{name}: {n}" for name, n in result["matched"].items())
        click.echo(
            f"{result['total']} machine(s); wins: {wins or '-'}; "
            f"ambiguous: {result['ambiguous']}; no match: {result['unmatched']}"
        )


def _explain(guess: dict[str, Any]) -> str:
    lines = []
    if guess["status"] == "matched":
        lines.append(f"{guess['serial']}: profile {guess['profile']} (role {guess['role']})")
    elif guess["status"] == "ambiguous":
        lines.append(
            f"{guess['serial']}: AMBIGUOUS between {', '.join(guess['ambiguous'])} "
            "(same priority): nothing is applied"
        )
    else:
        lines.append(f"{guess['serial']}: no profile matches")
    for result in guess["profiles"]:
        verdict = "pass" if result["passed"] else "FAIL"
        lines.append(f"  {verdict} {result['name']} (priority {result['priority']})")
        for check in result["checks"]:
            lines.append(f"    [{'ok' if check['ok'] else 'no'}] {check['text']}")
    return "\n".join(lines)


@commands.command("machine-guessed-profile")
@click.argument("serial", shell_complete=completer("machines", "serial"))
@output_options()
@click.pass_context
def machine_guessed_profile(
    ctx: click.Context, serial: str, fmt: str, columns: tuple[str, ...]
) -> None:
    """Which hardware profile SERIAL matches, every condition explained.

    \b
    Example: ocicli machine-guessed-profile CZ2041XYZ7 -f json
    """
    guess = client_from(ctx).get(P("machines", serial, "guessed-profile"))
    if fmt == "table" and not columns:
        click.echo(_explain(guess))
    else:
        emit_object(guess, fmt, columns)


def _rack_all(ctx: click.Context, apply: bool, fmt: str, columns: tuple[str, ...]) -> None:
    client = client_from(ctx)
    if apply:
        result = client.post(P("racking"), {})
        items = result["items"]
    else:
        items = list(client.iterate(P("racking")))
    text = render_list(items, fmt, columns, (*RACKING_COLUMNS, *(("applied",) if apply else ())))
    if text:
        click.echo(text)


@commands.command("machine-guess-racking")
@click.argument("serial", required=False, shell_complete=completer("machines", "serial"))
@click.option("--all", "every", is_flag=True, help="Every machine.")
@output_options()
@click.pass_context
def machine_guess_racking(
    ctx: click.Context, serial: str | None, every: bool, fmt: str, columns: tuple[str, ...]
) -> None:
    """Where LLDP places SERIAL (or --all machines), and why; changes nothing.

    \b
    Examples:
      ocicli machine-guess-racking CZ2041XYZ7
      ocicli machine-guess-racking --all
    """
    if every == (serial is not None):
        raise click.UsageError("give a SERIAL or --all")
    if serial is None:  # --all
        _rack_all(ctx, False, fmt, columns)
    else:
        emit_object(client_from(ctx).get(P("machines", serial, "racking")), fmt, columns)


@commands.command("machine-auto-rack")
@click.argument("serial", required=False, shell_complete=completer("machines", "serial"))
@click.option("--all", "every", is_flag=True, help="Every machine that is not flagged.")
@output_options()
@click.pass_context
def machine_auto_rack(
    ctx: click.Context, serial: str | None, every: bool, fmt: str, columns: tuple[str, ...]
) -> None:
    """Set SERIAL's datacenter, row, rack, U and aggregate from LLDP (or --all machines').

    A flagged machine (unknown switch, switches in two racks, no LLDP on a
    link-up NIC) is refused with the reasons; with --all it is left alone.
    """
    if every == (serial is not None):
        raise click.UsageError("give a SERIAL or --all")
    if serial is None:  # --all
        _rack_all(ctx, True, fmt, columns)
    else:
        emit_object(client_from(ctx).post(P("machines", serial, "racking"), {}), fmt, columns)
