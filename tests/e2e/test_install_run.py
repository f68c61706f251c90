"""The installer's transport: a bundle pushed over real SSH, the installer started
detached (it outlives the session), its log read back in pieces.

A real OpenSSH server on loopback plays the live system (tests/e2e/test_remote.py)."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import paramiko
import pytest

from oci import remote
from oci.install import run

SCRIPT = b"""#!/bin/sh
echo "step 1: partitioning"
n=0
while [ ! -e go ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
i=0
while [ $i -lt 4000 ]; do echo "line $i of a long log"; i=$((i + 1)); done
echo "done: it's installed" > "$PWD/finished"
echo "step 9: done"
"""


def bundle(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o755
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


T = TypeVar("T")


def until(predicate: Callable[[], T], what: str, timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def ssh(live_sshd: tuple[int, str, Path]) -> tuple[remote.Target, paramiko.Ed25519Key]:
    """(target, key) of the sshd playing the live system."""
    port, host_public, key_file = live_sshd
    return remote.Target("127.0.0.1", (host_public,), port=port), remote.server_key(key_file)


def test_the_installer_runs_detached_and_its_log_is_read_in_pieces(
    ssh: tuple[remote.Target, paramiko.Ed25519Key], tmp_path: Path
) -> None:
    target, key = ssh
    where, log = tmp_path / "oci install", str(tmp_path / "install.log")
    (tmp_path / "oci install").mkdir()
    (tmp_path / "oci install" / "stale").write_text("from an earlier attempt")

    # The script waits for `go`: start() must come back while it still runs.
    run.start(target, key, bundle({"oci-install": SCRIPT}), str(where), "./oci-install", log)
    assert not (where / "stale").exists()  # the bundle directory is made anew
    first = until(lambda: run.read_log(target, key, 0, log).text, "the first line")
    assert first == "step 1: partitioning\n"
    assert not (where / "finished").exists()

    (where / "go").touch()
    until(lambda: (where / "finished").exists(), "the installer to finish")
    # Followed in chunks, the pieces add up to the whole log, byte for byte.
    pieces, offset = [], 0
    while True:
        chunk = run.read_log(target, key, offset, log)
        pieces.append(chunk.text)
        offset = chunk.offset
        if offset >= chunk.size:
            break
    whole = Path(log).read_text()
    assert len(pieces) > 1 and len(whole) > run.CHUNK
    assert "".join(pieces) == whole and whole.endswith("step 9: done\n")


def test_a_broken_bundle_or_a_missing_log_is_a_clear_error(
    ssh: tuple[remote.Target, paramiko.Ed25519Key], tmp_path: Path
) -> None:
    target, key = ssh
    with pytest.raises(remote.RemoteError, match=r"unpacking the bundle on root@127\.0\.0\.1"):
        run.start(target, key, b"not a tar", str(tmp_path / "b"), "true", str(tmp_path / "l"))
    with pytest.raises(remote.RemoteError, match="no installer log: was machine-install-os run"):
        run.read_log(target, key, 0, str(tmp_path / "absent.log"))
