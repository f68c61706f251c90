"""The discovery agent (oci/agent/oci-agent) run by a real shell with a PATH of our choosing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from oci.agent.command import script_path

AGENT = script_path()

SHELLS = {
    "busybox": ["busybox", "sh"],
    "dash": ["dash"],
    "bash": ["bash"],
}

# What the agent itself needs besides the tools it reports on.
BASE_TOOLS = [
    "cat", "cp", "date", "gzip", "head", "mkdir", "mktemp", "od", "rm", "sed",
    "sleep", "tail", "tar", "tr", "wc", "grep",
]  # fmt: skip


def shell_ids() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=pytest.mark.skipif(shutil.which(argv[0]) is None, reason=f"no {argv[0]}"),
        )
        for name, argv in SHELLS.items()
    ]


def make_bin(
    directory: Path,
    real: Sequence[str] = (),
    fake: dict[str, str] | None = None,
    base: Sequence[str] = BASE_TOOLS,
) -> Path:
    """A PATH directory: symlinks to real tools, and fake tools from sh bodies."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in [*base, *real]:
        target = shutil.which(name)
        assert target, f"{name} is not installed here"
        (directory / name).symlink_to(target)
    for name, body in (fake or {}).items():
        path = directory / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return directory


def run_agent(
    shell: str,
    args: list[str],
    path: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    if path is not None:
        full_env["PATH"] = str(path)
    full_env.update(env or {})
    argv = SHELLS[shell]
    return subprocess.run(
        [shutil.which(argv[0]), *argv[1:], AGENT, *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
