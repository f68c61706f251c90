"""Build the discovery live image with Debian's live-build.

The configuration lives in live-build/ at the top of the tree (shipped in the
package as `oci.live_build`). A build copies it into a work directory, adds
what belongs to this site (the agent, the operator's SSH keys), runs
`lb config` and `lb build` there, showing live-build's stage lines as it goes,
and copies the three files the boot service serves into the output directory
under fixed names (OUTPUTS). The work directory keeps live-build's package
cache, so a second build downloads less.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

__all__ = ["OUTPUTS", "BuildResult", "build", "config_source", "prepare", "stage_of"]

# The names the boot service serves, and the glob that finds each in live-build's output.
OUTPUTS = {
    "vmlinuz": "vmlinuz*",
    "initrd.img": "initrd.img*",
    "filesystem.squashfs": "filesystem.squashfs",
}
LB_COMMANDS = ("lb", "debootstrap", "mksquashfs")


def config_source() -> Path:
    """The live-build configuration shipped with oci."""
    return Path(str(resources.files("oci.live_build")))


def missing_tools() -> list[str]:
    return [tool for tool in LB_COMMANDS if shutil.which(tool) is None]


def prepare(
    work: Path, agent: Path, ssh_keys: Iterable[Path] = (), agent_deb: Path | None = None
) -> Path:
    """Copy the configuration into `work`, with the agent and the SSH keys. Returns `work`.

    With `agent_deb` (the oci-live-agent package, `make deb`), live-build installs
    the agent and its unit from that package (config/packages.chroot), with the
    tools it depends on; otherwise the agent script is copied in as
    /usr/local/bin/oci-agent beside the configuration's own unit.
    A previous build's cache (work/cache) is kept; its configuration is replaced.
    """
    work.mkdir(parents=True, exist_ok=True)
    for name in ("auto", "config"):
        if (work / name).exists():
            shutil.rmtree(work / name)
    source = config_source()
    shutil.copytree(source / "auto", work / "auto")
    shutil.copytree(source / "config", work / "config")
    for script in (work / "auto").iterdir():
        script.chmod(0o755)
    for hook in (work / "config" / "hooks").rglob("*.hook.*"):
        hook.chmod(0o755)
    includes = work / "config" / "includes.chroot"
    if agent_deb is not None:
        packages = work / "config" / "packages.chroot"
        packages.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(agent_deb, packages / agent_deb.name)
        # The package's unit (/usr/lib/systemd/system) runs /usr/sbin/oci-agent.
        (includes / "etc" / "systemd" / "system" / "oci-agent.service").unlink()
    else:
        target = includes / "usr" / "local" / "bin" / "oci-agent"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(agent, target)
        target.chmod(0o755)
    keys = "".join(Path(key).read_text().rstrip("\n") + "\n" for key in ssh_keys)
    if keys:
        ssh = includes / "root" / ".ssh"
        ssh.mkdir(parents=True, exist_ok=True)
        ssh.chmod(0o700)
        (ssh / "authorized_keys").write_text(keys)
        (ssh / "authorized_keys").chmod(0o600)
    return work


def stage_of(line: str) -> str | None:
    """The progress worth showing in a line of live-build's output: its stage
    lines ("P: Begin ...") and errors ("E: ..."); None for the rest."""
    if line.startswith(("P: ", "E: ")):
        return line[3:].strip()
    return None


@dataclass(frozen=True)
class BuildResult:
    seconds: float
    files: dict[str, int]  # served name -> size in bytes
    log: Path


def _run_logged(
    argv: Sequence[str], work: Path, log: TextIO, show: Callable[[str], None], env: dict[str, str]
) -> None:
    process = subprocess.Popen(
        argv,
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None
    for line in process.stdout:
        log.write(line)
        log.flush()
        stage = stage_of(line)
        if stage:
            show(stage)
    if process.wait() != 0:
        raise RuntimeError(f"{' '.join(argv)} failed (exit {process.returncode}); see {log.name}")


def build(
    work: Path,
    output: Path,
    show: Callable[[str], None],
    *,
    mirror: str | None = None,
    distribution: str | None = None,
) -> BuildResult:
    """Run lb config + lb build in a prepared `work` and copy the image into `output`."""
    started = time.monotonic()
    env = dict(os.environ)
    if mirror:
        env["MIRROR"] = mirror
    if distribution:
        env["DISTRIBUTION"] = distribution
    log_path = work / "oci-build.log"
    with open(log_path, "w") as log:
        if (work / "chroot").exists() or (work / "binary").exists():
            show("cleaning the previous build (the package cache stays)")
            _run_logged(["lb", "clean"], work, log, show, env)
        for argv in (["lb", "config"], ["lb", "build"]):
            _run_logged(argv, work, log, show, env)
    files: dict[str, int] = {}
    output.mkdir(parents=True, exist_ok=True)
    for name, pattern in OUTPUTS.items():
        found = sorted(
            path
            for directory in (work / "binary" / "live", work / "tftpboot" / "live")
            for path in directory.glob(pattern)
        )
        if not found:
            raise RuntimeError(f"lb build made no {pattern} (see {log_path})")
        partial = output / f".{name}.partial"
        shutil.copyfile(found[0], partial)
        partial.replace(output / name)  # the boot service never serves half a file
        files[name] = (output / name).stat().st_size
    return BuildResult(time.monotonic() - started, files, log_path)
