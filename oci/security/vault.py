"""Encryption of secrets at rest: Fernet, with a key kept in a file, never in the database.

The key file (setting ``secret_key_file``, default ``data_dir/secret.key``) is
created on first use with mode 0600. Several server processes may start at
once: the key is written to a private temporary file and linked into place,
so exactly one key wins and every process reads that one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from oci.errors import OciError


class VaultError(OciError):
    """The key cannot be used; the message says which file and why, never a secret."""

    status = 500
    code = "secret_key_error"


def load_or_create_key(path: Path) -> bytes:
    if not path.exists():
        _create_key(path)
    try:
        mode = path.stat().st_mode
        key = path.read_bytes().strip()
    except OSError as exc:
        raise VaultError(f"cannot read the secret key file {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise VaultError(f"the secret key file {path} is readable by other users; chmod 600 {path}")
    try:
        Fernet(key)
    except ValueError as exc:
        raise VaultError(f"{path} does not hold a Fernet key (32 url-safe base64 bytes)") from exc
    return key


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)  # atomic, and fails if another process was first
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


class Vault:
    """Encrypts and decrypts text with the server's key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_file(cls, path: Path) -> Vault:
        return cls(load_or_create_key(path))

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise VaultError(
                "a stored secret does not decrypt with this server's key "
                "(was secret_key_file changed?)"
            ) from exc
