"""Real Puppet (Debian's `puppet`) compiling and applying, in --noop, what our ENC describes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.helpers.paths import REPO

MODULE = REPO / "puppet-enc" / "modules" / "oci"


def available() -> bool:
    return shutil.which("puppet") is not None


def environment(root: Path, module: Path = MODULE) -> Path:
    """An environmentpath whose `production` environment has ``module`` as `oci`."""
    modules = root / "environments" / "production" / "modules"
    modules.mkdir(parents=True)
    (modules / "oci").symlink_to(module)
    return root / "environments"


def apply(
    workdir: Path, environments: Path, enc: str, certname: str
) -> subprocess.CompletedProcess[str]:
    """`puppet apply --noop` of the catalog the ENC command ``enc`` gives ``certname``.

    Private configuration, state and log directories: nothing of the machine's own.
    """
    dirs = {name: workdir / name for name in ("conf", "var", "code", "log", "run")}
    return subprocess.run(
        [
            "puppet",
            "apply",
            "--noop",
            "--detailed-exitcodes",
            "--color=false",
            *(f"--{name}dir={path}" for name, path in dirs.items()),
            f"--environmentpath={environments}",
            "--environment=production",
            "--node_terminus=exec",
            f"--external_nodes={enc}",
            f"--certname={certname}",
            "-e",
            "",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )


def errors(result: subprocess.CompletedProcess[str]) -> str:
    """Puppet's output without Facter's noise about /proc/1/environ."""
    lines = (result.stdout + result.stderr).splitlines()
    return "\n".join(line for line in lines if "/proc/1/environ" not in line)
