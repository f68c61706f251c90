"""Find an event's hooks and run one, bounded in time; no database here.

Layout: ``hooks_dir/<event>/<name>``, run in the lexical order of the names.
As run-parts(8) does, a name must be letters, digits, ``_`` and ``-`` only:
``10-dns.dpkg-old``, ``10-dns~`` and hidden files are left alone. A hook is a
regular file (or a link to one) that is executable; it is run with no
argument and no shell, in ``/``, with a small environment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["Outcome", "hooks_for", "run_hook"]

log = logging.getLogger(__name__)

NAME = re.compile(r"^[A-Za-z0-9_-]+$")
STDERR_KEPT = 2000  # characters of a hook's stderr kept in its event: the end, where errors are
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Outcome:
    hook: str
    exit_status: int | None  # None: killed at the time limit, or never started
    duration: float
    timed_out: bool = False
    stderr: str = ""
    error: str | None = None  # why it could not start

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    def summary(self, event: str) -> str:
        where = f"hook {event}/{self.hook}"
        if self.error is not None:
            return f"{where} could not start: {self.error}"
        if self.timed_out:
            return f"{where} killed after {self.duration:.1f} s: over its time limit"
        said = self.stderr.strip().splitlines()[-1:] if not self.ok else []
        tail = f": {said[0][:200]}" if said else ""
        status = self.exit_status
        how = f"exit {status}" if status is not None and status >= 0 else f"signal {-(status or 0)}"
        return f"{where} {'ran' if self.ok else 'failed'}: {how} ({self.duration:.2f} s){tail}"


def hooks_for(hooks_dir: Path, event: str) -> list[Path]:
    """The executables to run for ``event``, in order; none if the folder is missing."""
    folder = hooks_dir / event
    try:
        entries = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        log.warning("cannot read hook folder %s: %s", folder, exc)
        return []
    found = []
    for name in entries:
        path = folder / name
        if not NAME.match(name) or not path.is_file():
            continue
        if not os.access(path, os.X_OK):
            log.warning("hook %s is not executable: skipped", path)
            continue
        found.append(path)
    return found


def _environment(event: str) -> dict[str, str]:
    env = {"PATH": PATH, "LANG": "C.UTF-8", "OCI_HOOK_EVENT": event}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env


def _tail(stream: IO[bytes]) -> str:
    size = stream.seek(0, os.SEEK_END)
    # Bytes, not characters: a few more so that the decoded end still fills the limit.
    stream.seek(max(0, size - 4 * STDERR_KEPT))
    return stream.read().decode("utf-8", "replace")[-STDERR_KEPT:]


def run_hook(path: Path, event: str, text: str, timeout: float) -> Outcome:
    """Run one hook with ``text`` on stdin; killed, with its children, after ``timeout`` s.

    stdin and stderr are files, not pipes: a hook that never reads stdin, or a
    child left holding stderr, cannot make us wait past the limit.
    """
    started = time.monotonic()
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stderr:
        stdin.write(text.encode())
        stdin.seek(0)
        try:
            process = subprocess.Popen(
                [str(path)],
                stdin=stdin,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd="/",
                env=_environment(event),
                close_fds=True,
                start_new_session=True,  # its own process group, killed whole
            )
        except OSError as exc:
            return Outcome(path.name, None, time.monotonic() - started, error=str(exc))
        timed_out = False
        try:
            status: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):  # the group is gone already
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            status = None
        duration = time.monotonic() - started
        return Outcome(path.name, status, duration, timed_out=timed_out, stderr=_tail(stderr))
