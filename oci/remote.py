"""SSH to a machine's live system (paramiko), trusting only the host keys it reported.

The live system sends its SSH host public keys with its discovery report; they
are pinned in the inventory (SshHostKey). A connection whose server presents
any other key is refused: no trust on first use, no "host key checking off".
The server logs in with its own key pair (`server_key`), made on first use and
built into the live image.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paramiko

from oci.errors import OciError

__all__ = ["CommandResult", "RemoteError", "Target", "run", "server_key", "session"]


class RemoteError(OciError):
    status = 502
    code = "remote_error"


@dataclass(frozen=True)
class Target:
    address: str
    host_keys: tuple[str, ...]  # "ssh-ed25519 AAAA... comment" lines, as reported
    port: int = 22
    username: str = "root"
    timeout: float = 15.0

    @property
    def where(self) -> str:
        return f"{self.username}@{self.address}:{self.port}"


@dataclass(frozen=True)
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str


def server_key(path: Path) -> paramiko.Ed25519Key:
    """The server's own SSH key (OpenSSH format, 0600), created on first use;
    `path`.pub holds its public line for the live image's authorized_keys."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _generate(path)
    return paramiko.Ed25519Key.from_private_key_file(str(path))


def _generate(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private)
    os.replace(temporary, path)
    path.with_suffix(".pub").write_bytes(public + b" oci-server\n")


class _RefuseUnknown(paramiko.MissingHostKeyPolicy):
    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        raise RemoteError(
            f"{hostname} presented an SSH host key ({key.get_name()} "
            f"{key.fingerprint}) that is not the one its live system reported: "
            "refusing to connect (reboot it on the live image to report again)"
        )


def _known_hosts(target: Target) -> paramiko.HostKeys:
    keys = paramiko.HostKeys()
    name = target.address if target.port == 22 else f"[{target.address}]:{target.port}"
    for line in target.host_keys:
        parts = line.split()
        if len(parts) < 2:
            continue
        entry = paramiko.hostkeys.HostKeyEntry.from_line(f"{name} {parts[0]} {parts[1]}")
        if entry is not None:
            keys.add(name, entry.key.get_name(), entry.key)
    return keys


@contextmanager
def session(target: Target, key: paramiko.PKey) -> Iterator[paramiko.SSHClient]:
    if not target.host_keys:
        raise RemoteError(
            f"no SSH host key is known for {target.address}: the live system reports its "
            "keys with its discovery report"
        )
    client = paramiko.SSHClient()
    known = _known_hosts(target)
    for hostname, entries in known.items():
        for key_type, host_key in entries.items():
            client.get_host_keys().add(hostname, key_type, host_key)
    client.set_missing_host_key_policy(_RefuseUnknown())
    try:
        client.connect(
            target.address,
            port=target.port,
            username=target.username,
            pkey=key,
            timeout=target.timeout,
            banner_timeout=target.timeout,
            auth_timeout=target.timeout,
            allow_agent=False,
            look_for_keys=False,
        )
    except paramiko.BadHostKeyException as exc:
        raise RemoteError(
            f"{target.where} presented another SSH host key than the one its live system "
            f"reported ({exc.key.get_name()} {exc.key.fingerprint}): refusing to connect"
        ) from exc
    except (paramiko.SSHException, OSError) as exc:
        raise RemoteError(f"cannot log in to {target.where}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()


def run(
    client: paramiko.SSHClient, command: str, stdin: bytes = b"", timeout: float = 3600
) -> CommandResult:
    """`command` (a string the remote shell runs: quote with shlex) to completion."""
    channel_in, channel_out, channel_err = client.exec_command(command, timeout=timeout)
    if stdin:
        channel_in.write(stdin)
    channel_in.channel.shutdown_write()
    out = channel_out.read().decode(errors="replace")
    err = channel_err.read().decode(errors="replace")
    return CommandResult(channel_out.channel.recv_exit_status(), out, err)


def put(client: paramiko.SSHClient, files: Iterable[tuple[str, bytes, int]]) -> None:
    """Write (remote path, content, mode) files through SFTP."""
    with client.open_sftp() as sftp:
        for path, content, mode in files:
            sftp.putfo(io.BytesIO(content), path)
            sftp.chmod(path, mode)
