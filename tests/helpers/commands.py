"""Running the project's console scripts as an operator would, and checking the outcome."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


class Command:
    """One console script (``oci``, ``ocicli``) with a given environment, stdin never a tty.

    ``quiet`` also requires a successful command to print nothing on stderr.
    """

    def __init__(self, program: str, env: dict[str, str], *, quiet: bool = False) -> None:
        self.program = program
        self.env = env
        self.quiet = quiet

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / self.program), *args],
            env=self.env | (env or {}),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> str:
        """stdout of a command that must succeed."""
        result = self.run(*args, env=env)
        command = f"{self.program} {' '.join(args)}"
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
        if self.quiet:
            assert result.stderr == "", result.stderr
        return result.stdout

    def fails(self, *args: str, env: dict[str, str] | None = None) -> str:
        """The error of a refused command: exit 1, stdout empty, one 'Error: ' line."""
        result = self.run(*args, env=env)
        assert result.returncode == 1, (
            f"{self.program} {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
        assert lines[0].startswith("Error: ")
        assert "Traceback" not in result.stderr
        return lines[0].removeprefix("Error: ")

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-f", "json"))
