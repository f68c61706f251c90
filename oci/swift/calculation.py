"""A ring calculation run in the background, its state kept beside the rings.

At OCI's default part power (19) one ring takes tens of seconds to rebalance
and three can take minutes: longer than a server worker may hold a request.
So the request starts the calculation in a thread and answers at once; the
thread writes how it went to ``.calculation.json`` in the cluster's ring
directory, where any worker of any process that shares ``data_dir`` reads it.

A calculation holds ``.calculation.lock`` from start to end. That lock tells
a second start that one runs (a conflict), and tells a reader that a
"running" record whose lock nobody holds is stale: the process building it
ended (a restart, a killed worker), and the kept rings are untouched because
a calculation moves its results in only when all of them succeeded.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from oci.errors import Conflict, OciError

__all__ = ["Calculation", "latest", "start"]

log = logging.getLogger(__name__)

STATE_FILE = ".calculation.json"
LOCK_FILE = ".calculation.lock"
ENDED = (
    "the server process building the rings ended before it finished; the kept rings "
    "are unchanged: run swift-calculate-ring again"
)


@dataclass(frozen=True)
class Calculation:
    state: str  # none, running, done, failed
    started_at: str | None = None
    finished_at: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write(directory: Path, calculation: Calculation) -> None:
    # A reader never sees half a record: written aside, then renamed over.
    fd, name = tempfile.mkstemp(prefix=".calculation-", dir=directory)
    with os.fdopen(fd, "w") as out:
        json.dump(calculation.__dict__, out)
    os.replace(name, directory / STATE_FILE)


def _read(directory: Path) -> Calculation:
    try:
        fields = json.loads((directory / STATE_FILE).read_text())
    except FileNotFoundError:
        return Calculation("none")
    except (OSError, ValueError) as exc:
        log.warning("unreadable %s in %s: %s", STATE_FILE, directory, exc)
        return Calculation("none")
    return Calculation(**fields)


def _try_lock(directory: Path) -> IO[str] | None:
    """The calculation lock, held through the returned file; None when held elsewhere."""
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    lock = open(directory / LOCK_FILE, "a")  # noqa: SIM115 (handed to the thread)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def latest(directory: Path) -> Calculation:
    """How the last calculation went, or that it still runs."""
    found = _read(directory)
    if found.state != "running":
        return found
    lock = _try_lock(directory)
    if lock is None:
        return found  # still running
    try:
        # Read again under the lock: the calculation may have ended in between.
        found = _read(directory)
    finally:
        lock.close()
    if found.state != "running":
        return found
    return Calculation("failed", found.started_at, None, None, ENDED)


def start(directory: Path, work: Callable[[], dict[str, Any]]) -> Calculation:
    """Run ``work`` (the calculation, giving the answer to keep) in a thread; a
    conflict when one already runs for this cluster."""
    lock = _try_lock(directory)
    if lock is None:
        running = _read(directory)
        raise Conflict(
            f"a Swift ring calculation of cluster {directory.name} runs since "
            f"{running.started_at or 'a moment ago'}: wait for it "
            "(GET .../swift-rings/calculation, or swift-calculate-ring waits by itself)",
            {"started_at": running.started_at},
        )
    began = Calculation("running", _now())
    try:
        _write(directory, began)
    except OSError:
        lock.close()
        raise

    def run() -> None:
        try:
            ended = Calculation("done", began.started_at, _now(), work())
        except OciError as exc:  # a refusal the operator can act on (part power, ...)
            ended = Calculation("failed", began.started_at, _now(), None, str(exc))
        except Exception as exc:  # the thread must record any end, never die silently
            log.exception("Swift ring calculation of %s failed", directory.name)
            ended = Calculation("failed", began.started_at, _now(), None, f"internal error: {exc}")
        try:
            _write(directory, ended)
        finally:
            lock.close()

    threading.Thread(target=run, name=f"swift-rings {directory.name}", daemon=True).start()
    return began
