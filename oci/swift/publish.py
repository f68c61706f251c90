"""The kept ring files to the nodes' /etc/swift over SSH (oci.remote: only the host keys
their discovery pinned are trusted; installed systems keep them).

Each file lands under a temporary name beside its place, is given to swift:swift
(as OCI's chown after its scp) when the node has that user, and is renamed over
the old one: Swift's servers reload a ring file that changed and must never
read half of one.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import paramiko

from oci import remote
from oci.swift.rings import RingFile

__all__ = ["REMOTE_DIR", "Sent", "publish", "send"]

REMOTE_DIR = "/etc/swift"
PARALLEL = 8


@dataclass(frozen=True)
class Sent:
    hostname: str
    address: str | None
    error: str | None = None  # None: every file is in place


def send(
    target: remote.Target,
    key: paramiko.PKey,
    files: Sequence[RingFile],
    remote_dir: str | None = None,
) -> None:
    """Every file of ``files`` into ``remote_dir`` (REMOTE_DIR) of ``target``; RemoteError
    if not."""
    remote_dir = remote_dir or REMOTE_DIR
    moves = []
    with remote.session(target, key) as ssh:
        _check(remote.run(ssh, f"mkdir -p {shlex.quote(remote_dir)}", timeout=60), target)
        try:
            with ssh.open_sftp() as sftp:
                for file in files:
                    final = f"{remote_dir}/{file.name}"
                    temporary = f"{remote_dir}/.{file.name}.oci-new"
                    sftp.put(str(file.path), temporary)
                    sftp.chmod(temporary, 0o644)
                    moves.append((temporary, final))
        except (OSError, paramiko.SSHException) as exc:
            raise remote.RemoteError(f"copying the rings to {target.where}: {exc}") from exc
        temporaries = " ".join(shlex.quote(t) for t, _ in moves)
        script = [f"if id swift >/dev/null 2>&1; then chown swift:swift {temporaries}; fi"]
        script += [f"mv -f {shlex.quote(t)} {shlex.quote(f)}" for t, f in moves]
        _check(remote.run(ssh, " && ".join(script), timeout=60), target)


def _check(result: remote.CommandResult, target: remote.Target) -> None:
    if result.exit_status != 0:
        why = (result.stderr or result.stdout).strip().splitlines()
        raise remote.RemoteError(
            f"placing the rings on {target.where} failed (exit {result.exit_status})"
            + (f": {why[-1]}" if why else "")
        )


def publish(
    nodes: Sequence[tuple[str, remote.Target | str]],
    key: paramiko.PKey,
    files: Sequence[RingFile],
    remote_dir: str | None = None,
) -> list[Sent]:
    """Send to every node (host name, its target or why it has none), a few at once; one
    node that fails does not stop the others."""

    def one(node: tuple[str, remote.Target | str]) -> Sent:
        hostname, target = node
        if isinstance(target, str):
            return Sent(hostname, None, target)
        try:
            send(target, key, files, remote_dir)
        except remote.RemoteError as exc:
            return Sent(hostname, target.address, exc.message)
        return Sent(hostname, target.address)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(one, nodes))
