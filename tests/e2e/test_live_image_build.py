"""live-build/'s scripts pass shellcheck, and `oci live-image build --dry-run` prepares the
work directory without building (the real build is run by hand, never by the suite)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from oci.boot import live_image
from tests.helpers.commands import Command

CONFIG = live_image.config_source()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="no shellcheck")
def test_the_live_build_scripts_are_shellcheck_clean() -> None:
    scripts = [CONFIG / "auto" / name for name in ("config", "build", "clean")]
    scripts.append(CONFIG / "config/hooks/normal/9000-oci-agent.hook.chroot")
    result = subprocess.run(
        ["shellcheck", "-s", "sh", *map(str, scripts)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_live_image_build_help_and_dry_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env["OCI_CONFIG"] = str(tmp_path / "oci.toml")
    (tmp_path / "oci.toml").write_text(
        f'live_image_dir = "{tmp_path / "served"}"\ndata_dir = "{tmp_path / "data"}"\n'
    )
    oci = Command("oci", env=env, quiet=True)
    assert "oci live-image build --ssh-key" in oci("live-image", "build", "--help")
    out = oci("live-image", "build", "--dry-run", "--work", str(tmp_path / "work"))
    assert f"would run `lb config` and `lb build` there, then copy to {tmp_path / 'served'}" in out
    for name in ["vmlinuz", "initrd.img", "filesystem.squashfs"]:
        assert str(tmp_path / "served" / name) in out
    assert (tmp_path / "work" / "config" / "includes.chroot/usr/local/bin/oci-agent").exists()
    assert not (tmp_path / "served").exists()  # nothing built
    # The server's own key is in, so machine-install-os can log in to the live system.
    authorized = tmp_path / "work" / "config" / "includes.chroot/root/.ssh/authorized_keys"
    assert authorized.read_text().strip() == oci("ssh-key").strip()
