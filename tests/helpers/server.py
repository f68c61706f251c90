"""``oci serve`` as operators run it, on a free port of loopback."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.helpers.database import Database

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited {process.returncode}:\n{log.read_text()}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or a busy machine
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}:\n{log.read_text()}")


@dataclass
class LiveServer:
    url: str
    database: Database
    log: Path  # what the server printed: access log, errors


@contextlib.contextmanager
def serve(
    migrated: Database, workdir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """``oci serve`` as operators run it (gunicorn, 2 workers) on ``migrated``'s database,
    with ``extra_env`` (OCI_* settings) added."""
    port = free_port()
    log = workdir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env |= {
        "OCI_DATABASE_URL": migrated.url,
        "OCI_DATA_DIR": str(workdir),
        "OCI_CONFIG": str(workdir / "absent.toml"),
    }
    env |= extra_env or {}
    (workdir / "absent.toml").write_text("")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                str(BIN / "oci"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/api/v1/health", process, log)
        yield LiveServer(url, migrated, log)
    finally:
        process.terminate()
        process.wait(timeout=20)
