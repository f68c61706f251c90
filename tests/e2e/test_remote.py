"""SSH to a live system trusts only the host keys its discovery report pinned.

A real OpenSSH server (Debian's sshd, on loopback with its own host key)
plays the live system."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci import remote
from oci.models import SshHostKey
from tests.helpers.reports import archive, machine_files
from tests.helpers.sshd import SSHD, keygen

pytestmark = pytest.mark.skipif(
    not os.path.exists(SSHD) or os.geteuid() != 0,
    reason="needs Debian's openssh-server (scripts/apt-packages) and root",
)


def test_the_pinned_host_key_lets_the_server_in_and_another_is_refused(
    client: FlaskClient, session: Session, live_sshd: tuple[int, str, Path], tmp_path: Path
) -> None:
    port, host_public, server_key = live_sshd
    files = machine_files("SSH1", macs=("00:1b:21:60:00:01",))
    files["ssh-host-keys.txt"] = host_public + "\n"
    headers = {"Content-Type": "application/gzip"}
    assert (
        client.post("/api/v1/discovery/reports", data=archive(files), headers=headers).status_code
        == 201
    )
    pinned = tuple(session.scalars(select(SshHostKey.public_key)))
    assert pinned == (host_public,)

    key = remote.server_key(server_key)
    target = remote.Target("127.0.0.1", pinned, port=port)
    with remote.session(target, key) as ssh:
        result = remote.run(ssh, "cat > /dev/null; echo hello from $(id -un); exit 3", stdin=b"x")
        assert result == remote.CommandResult(3, "hello from root\n", "")
        remote.put(ssh, [(str(tmp_path / "bundle.txt"), b"ca chain\n", 0o600)])
    assert (tmp_path / "bundle.txt").read_bytes() == b"ca chain\n"
    assert (tmp_path / "bundle.txt").stat().st_mode & 0o777 == 0o600

    # The live system was rebuilt, or something sits in the middle: another key.
    other = keygen(tmp_path / "other_key")
    impostor = remote.Target("127.0.0.1", (other,), port=port)
    with (
        pytest.raises(remote.RemoteError, match="refusing to connect"),
        remote.session(impostor, key),
    ):
        pass
    unknown = remote.Target("127.0.0.1", (), port=port)
    with (
        pytest.raises(remote.RemoteError, match="no SSH host key is known"),
        remote.session(unknown, key),
    ):
        pass


def test_the_server_key_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "ssh" / "id_ed25519"
    first = remote.server_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.with_suffix(".pub").read_text().startswith("ssh-ed25519 ")
    assert remote.server_key(path).get_fingerprint() == first.get_fingerprint()


def test_oci_ssh_key_prints_the_same_public_key_every_time(tmp_path: Path) -> None:
    from tests.helpers.cli import base_env
    from tests.helpers.commands import Command

    oci = Command("oci", base_env(tmp_path))
    first = oci("ssh-key")
    assert first.startswith("ssh-ed25519 ") and first.strip().endswith(" oci-server")
    assert oci("ssh-key") == first
    assert (tmp_path / "data" / "ssh" / "id_ed25519").stat().st_mode & 0o777 == 0o600
