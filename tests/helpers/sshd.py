"""A real OpenSSH server (Debian's sshd) on loopback, playing a live system."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oci import remote
from tests.helpers.server import free_port

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@live", "-f", str(path)],
        check=True,
    )
    return path.with_suffix(".pub").read_text().strip()


@contextmanager
def running_sshd(
    workdir: Path, server_key: Path, *, path: str | None = None
) -> Iterator[tuple[int, str]]:
    """(port, host public key line) of a real sshd on 127.0.0.1 that lets the key
    at `server_key` (made if need be) in as root; `path`: its sessions' PATH."""
    remote.server_key(server_key)
    host_key = workdir / "ssh_host_ed25519_key"
    host_public = keygen(host_key)
    authorized = workdir / "authorized_keys"
    authorized.write_text(server_key.with_suffix(".pub").read_text())
    port = free_port()
    config = workdir / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"PidFile {workdir / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        "Subsystem sftp internal-sftp\n" + (f"SetEnv PATH={path}\n" if path else "")
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield port, host_public
    finally:
        process.terminate()
        process.wait(timeout=10)
