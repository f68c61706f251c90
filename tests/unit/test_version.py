"""One version: oci/__init__.py. The packaging metadata reads it, and the agent,
a shell script that runs where there is no Python, must carry the same one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import oci
from oci.agent.command import script_path
from tests.helpers.paths import REPO


def test_pyproject_takes_the_version_from_the_package() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "oci.__version__"}


def test_the_agent_reports_the_package_version() -> None:
    found = re.search(r"^VERSION=(\S+)$", Path(script_path()).read_text(), re.MULTILINE)
    assert found is not None, "oci-agent sets no VERSION"
    assert found.group(1) == oci.__version__
