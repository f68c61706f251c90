"""`oci-agent`: run the packaged POSIX shell agent with the caller's arguments."""

from __future__ import annotations

import os
import sys
from importlib.resources import files


def script_path() -> str:
    return str(files("oci.agent") / "oci-agent")


def main() -> None:
    path = script_path()
    os.execvp("sh", ["sh", path, *sys.argv[1:]])
