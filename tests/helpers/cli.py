"""``oci`` and ``ocicli`` as a test runs them: clean environments, tables, completion."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers.commands import Command
from tests.helpers.database import Credentials
from tests.helpers.server import LiveServer


def clean_env(home: Path) -> dict[str, str]:
    """The caller's environment without any OCI_* variable, HOME in a scratch directory.

    HOME keeps a ~/.config/oci/ocicli.toml of whoever runs the suite out of the tests.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCI_", "_OCICLI"))}
    env["HOME"] = str(home)
    return env


def admin_env(home: Path, live_server: LiveServer, admin: Credentials) -> dict[str, str]:
    """A clean environment in which ocicli reaches ``live_server`` as ``admin`` by password."""
    return clean_env(home) | {
        "OCI_API_URL": live_server.url,
        "OCI_LOGIN": admin.login,
        "OCI_PASSWORD": admin.password,
    }


def ocicli(env: dict[str, str]) -> Command:
    """ocicli, whose successful commands print nothing on stderr."""
    return Command("ocicli", env, quiet=True)


def table_rows(text: str) -> list[list[str]]:
    """The cells of a printed table, header first, without the borders."""
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


def completions(cli: Command, words: str) -> list[tuple[str, str]]:
    """What bash completion offers for ``words`` (click 8's bash protocol: 'type,value' lines)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    out = cli(
        env={"_OCICLI_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    )
    pairs = (line.split(",", 1) for line in out.splitlines() if line)
    return [(kind, value) for kind, value in pairs]


def oci_with(env: dict[str, str]) -> Command:
    return Command("oci", env)


def base_env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without OCI_*, an empty configuration file and a data
    directory under ``tmp_path``: ``oci`` on SQLite there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    config = tmp_path / "oci.toml"
    config.touch()
    return env | {"OCI_CONFIG": str(config), "OCI_DATA_DIR": str(tmp_path / "data")}
