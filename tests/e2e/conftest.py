"""Fixtures of the end-to-end tests: a real sshd playing a live system."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.sshd import running_sshd


@pytest.fixture
def live_sshd(tmp_path: Path) -> Iterator[tuple[int, str, Path]]:
    """(port, host public key line, the server's key file) of a running sshd
    that lets our server key in as root."""
    server_key = tmp_path / "oci" / "id_ed25519"
    with running_sshd(tmp_path, server_key) as (port, host_public):
        yield port, host_public, server_key
