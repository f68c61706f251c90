"""The QEMU capture made anew (scripts/capture-qemu-hardware: Debian kernel, initramfs,
a TCG boot) holds what it asked QEMU for; the lab's initramfs scripts pass shellcheck."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oci.lab.initramfs import INIT, UDHCPC_SCRIPT
from tests.helpers.qemu_capture import SCRIPT, check_capture, missing_capture_tools


def test_lab_shell_scripts_are_shellcheck_clean(tmp_path: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("no shellcheck (scripts/apt-packages installs it)")
    for name, text in [("init", INIT), ("udhcpc.script", UDHCPC_SCRIPT)]:
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(tmp_path / "init"), str(tmp_path / "udhcpc.script")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.slow
@pytest.mark.skipif(bool(missing_capture_tools()), reason=f"missing: {missing_capture_tools()}")
def test_a_new_capture(tmp_path: Path) -> None:
    """The whole capture: Debian kernel (cached), initramfs, TCG boot (~25 s)."""
    cache = os.environ.get("OCI_LAB_CACHE", str(Path("~/.cache/oci-lab").expanduser()))
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "capture"), "--cache", cache],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check_capture(tmp_path / "capture")
