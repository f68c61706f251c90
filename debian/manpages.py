"""Write oci's man pages and its commented /etc/oci/oci.toml from the code itself.

Run by debian/rules at build time (PYTHONPATH is the source tree):

    python3 debian/manpages.py OUTDIR [--date EPOCH] [--conf CONFDIR]

The click commands (`oci`, `ocicli`) are walked through their context and help
objects; the other programs (`oci-puppet-enc`, argparse; `oci-agent` and
`oci-puppet-overlay`, shell) are run with --help and their text is kept as it
is. So a page says exactly what `--help` says, and never drifts from it.
`--conf` also writes oci.toml: every setting with its description and its
default, commented out, from oci.config.Settings.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import click

SOURCE = Path(__file__).resolve().parent.parent
MANUAL = "oci manual"


def escape(text: str) -> str:
    """Text as roff: backslashes and hyphens escaped, no line starting a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(
        "\\&" + line if line.startswith((".", "'")) else line for line in text.split("\n")
    )


def paragraphs(help_text: str) -> list[str]:
    """click's help as roff paragraphs: `\\b` blocks stay as written, the rest is filled."""
    out: list[str] = []
    for block in textwrap.dedent(help_text).strip().split("\n\n"):
        lines = block.strip("\n").split("\n")
        if lines and lines[0].strip() == "\b":
            out.append(".nf\n" + escape("\n".join(lines[1:])) + "\n.fi")
        else:
            out.append(escape(" ".join(line.strip() for line in lines)))
    return out


def header(name: str, section: int, date: str, version: str) -> list[str]:
    return [
        f'.TH {name.upper()} {section} "{date}" "oci {version}" "{MANUAL}"',
        ".SH NAME",
    ]


def options(ctx: click.Context, command: click.Command) -> list[str]:
    out: list[str] = []
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option):
            continue  # arguments are in the usage line
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, text = record
        out += [".TP", f"\\fB{escape(names)}\\fR", escape(text) if text else ""]
    return out


def command_section(ctx: click.Context, path: str, command: click.Command) -> list[str]:
    """One command's usage, help and options, and those of its subcommands."""
    out: list[str] = []
    sub_ctx = click.Context(command, info_name=path.split(" ")[-1], parent=ctx)
    if not isinstance(command, click.Group) or command.callback is not None:
        usage = " ".join(command.collect_usage_pieces(sub_ctx))
        out += [".SS " + escape(path), f"\\fB{escape(path)}\\fR {escape(usage)}", ".PP"]
        out += [p + "\n.PP" for p in paragraphs(command.help or "")]
        out += options(sub_ctx, command)
    if isinstance(command, click.Group):
        for name in command.list_commands(sub_ctx):
            child = command.get_command(sub_ctx, name)
            if child is not None and not child.hidden:
                out += command_section(sub_ctx, f"{path} {name}", child)
    return out


def click_page(
    name: str, main: click.Command, section: int, summary: str, date: str, version: str
) -> str:
    ctx = click.Context(main, info_name=name)
    lines = header(name, section, date, version)
    lines += [f"{escape(name)} \\- {escape(summary)}", ".SH SYNOPSIS"]
    lines += [f"\\fB{escape(name)}\\fR {escape(' '.join(main.collect_usage_pieces(ctx)))}"]
    lines += [".SH DESCRIPTION"]
    lines += [p + "\n.PP" for p in paragraphs(main.help or "")]
    lines += [".SH OPTIONS", *options(ctx, main)]
    if isinstance(main, click.Group):
        lines.append(".SH COMMANDS")
        for sub in main.list_commands(ctx):
            child = main.get_command(ctx, sub)
            if child is not None and not child.hidden:
                lines += command_section(ctx, f"{name} {sub}", child)
    return "\n".join(lines) + "\n"


def text_page(
    name: str, argv: list[str], section: int, summary: str, date: str, version: str
) -> str:
    """A page holding the program's own --help, verbatim."""
    result = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=SOURCE)
    lines = header(name, section, date, version)
    lines += [f"{escape(name)} \\- {escape(summary)}", ".SH DESCRIPTION"]
    lines += [f"This is the output of \\fB{escape(name)} \\-\\-help\\fR:", ".PP", ".nf"]
    lines += [escape(result.stdout.rstrip("\n")), ".fi"]
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def conf_file() -> str:
    """oci.toml: every setting, described, with its default commented out."""
    from oci.config import Settings

    out = [
        "# oci's settings (oci-server). Every key is optional: the value shown",
        "# is the default. OCI_<KEY> environment variables override this file;",
        "# an unknown key or a bad value stops oci with a message naming it.",
        "# After a change: systemctl restart oci-api.",
        "#",
        "# The database: SQLite in data_dir unless database_url names another, e.g.",
        '#   database_url = "postgresql+psycopg://oci:PASSWORD@db.example.com/oci"',
        "#       (apt-get install python3-psycopg)",
        '#   database_url = "mysql+pymysql://oci:PASSWORD@db.example.com/oci?charset=utf8mb4"',
        "#       (apt-get install python3-pymysql)",
        "# then, as user oci: oci db upgrade. See /usr/share/doc/oci-server/README.Debian.",
    ]
    for key, field in Settings.model_fields.items():
        out.append("")
        if field.description:
            out += ["# " + line for line in textwrap.wrap(field.description, 76)]
        default = field.get_default(call_default_factory=True)
        if default is None:
            out.append(f"# {key} = (unset)")
        else:
            out.append(f"# {key} = {toml_value(default)}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--date", type=int, help="SOURCE_DATE_EPOCH of the pages")
    parser.add_argument("--conf", type=Path, help="also write oci.toml into this directory")
    args = parser.parse_args()

    from oci import __version__
    from oci.admin.main import main as oci_main
    from oci.cli.main import main as ocicli_main

    when = datetime.datetime.fromtimestamp(args.date or 0, datetime.UTC)
    date = when.strftime("%Y-%m-%d")
    python = sys.executable
    pages = {
        "oci.1": click_page(
            "oci", oci_main, 1, "the oci server's administration command", date, __version__
        ),
        "ocicli.1": click_page(
            "ocicli", ocicli_main, 1, "command line client of the oci API", date, __version__
        ),
        "oci-puppet-enc.1": text_page(
            "oci-puppet-enc",
            [python, "-m", "oci.enc.command", "--help"],
            1,
            "Puppet external node classifier backed by oci",
            date,
            __version__,
        ),
        "oci-agent.8": text_page(
            "oci-agent",
            ["sh", "oci/agent/oci-agent", "--help"],
            8,
            "report this machine's hardware to the oci server",
            date,
            __version__,
        ),
        "oci-puppet-overlay.8": text_page(
            "oci-puppet-overlay",
            ["sh", "puppet-enc/oci-puppet-overlay", "--help"],
            8,
            "build the Puppet module overlay oci's ENC documents need",
            date,
            __version__,
        ),
    }
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (args.outdir / name).write_text(text)
    if args.conf:
        args.conf.mkdir(parents=True, exist_ok=True)
        (args.conf / "oci.toml").write_text(conf_file())


if __name__ == "__main__":
    main()
