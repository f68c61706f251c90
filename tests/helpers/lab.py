"""`oci lab`'s leftovers: its env file, the tools it needs, the processes it leaves."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NEEDED = ["qemu-system-x86_64", "lldpd", "busybox", "cpio"]
FIRMWARE = [
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
    "/usr/share/OVMF/OVMF_VARS_4M.fd",
    "/usr/lib/ipxe/qemu/efi-virtio.rom",
    "/usr/lib/ipxe/qemu/pxe-virtio.rom",
]


def missing_lab_tools() -> list[str]:
    return [t for t in NEEDED if shutil.which(t) is None] + [
        f for f in FIRMWARE if not os.path.exists(f)
    ]


def alive(pid: int) -> bool:
    """Running and not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline and alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def read_env_file(path: Path) -> dict[str, str]:
    """What ``source env`` sets: ``export K=V`` lines, V shell-quoted."""
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            if key != "PATH":
                [values[key]] = shlex.split(value)
    return values


@dataclass(frozen=True)
class LabRunner:
    """`oci lab ... --dir DIR` as an operator runs it: none of the caller's OCI_
    settings, HOME in the test's directory, the shared image cache (OCI_LAB_CACHE)."""

    dir: Path
    env: dict[str, str]
    cache: str

    @classmethod
    def in_(cls, tmp_path: Path) -> LabRunner:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
        env["HOME"] = str(tmp_path)
        cache = os.environ.get("OCI_LAB_CACHE", str(Path("~/.cache/oci-lab").expanduser()))
        return cls(tmp_path / "lab", env, cache)

    def __call__(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).parent / "oci"), "lab", *args, "--dir", str(self.dir)],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
