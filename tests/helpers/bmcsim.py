"""The lab's simulated BMC (oci.lab.bmcsim, pyghmi's server side) as a process of its own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.server import free_port


@contextmanager
def running_bmcsim(password_file: Path, *options: str) -> Iterator[int]:
    """Start a simulated BMC (user admin, the password in ``password_file``); its port."""
    port = free_port()
    argv = [sys.executable, "-m", "oci.lab.bmcsim", "--port", str(port)]
    process = subprocess.Popen(
        [*argv, "--password-file", str(password_file), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "listening" in process.stdout.readline()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
