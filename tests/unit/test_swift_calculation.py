"""A Swift ring calculation in the background: one at a time per cluster, its end
recorded whatever it is, and a record left by a process that died is not "running"."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from oci.errors import Conflict
from oci.swift import calculation


def ended(directory: Path) -> calculation.Calculation:
    deadline = time.monotonic() + 10
    while (found := calculation.latest(directory)).state == "running":
        assert time.monotonic() < deadline, "the calculation never ended"
        time.sleep(0.01)
    return found


def test_one_calculation_at_a_time_then_its_answer_for_any_reader(tmp_path: Path) -> None:
    directory = tmp_path / "swift01"
    assert calculation.latest(directory).state == "none"
    release = threading.Event()

    def work() -> dict[str, Any]:
        release.wait(10)
        return {"rings": ["account"]}

    began = calculation.start(directory, work)
    assert began.state == "running" and began.started_at
    assert calculation.latest(directory).state == "running"
    with pytest.raises(Conflict, match="calculation of cluster swift01 runs since"):
        calculation.start(directory, work)
    release.set()
    done = ended(directory)
    assert (done.state, done.result, done.error) == ("done", {"rings": ["account"]}, None)
    assert done.started_at == began.started_at and done.finished_at
    # Once ended, the next one may start.
    assert calculation.start(directory, lambda: {}).state == "running"
    assert ended(directory).result == {}


def test_a_refusal_or_a_crash_is_recorded_as_failed(tmp_path: Path) -> None:
    def refused() -> dict[str, Any]:
        raise Conflict("the object ring has part power 8 and the cluster's is 9")

    calculation.start(tmp_path, refused)
    failed = ended(tmp_path)
    assert failed.state == "failed"
    assert failed.error == "the object ring has part power 8 and the cluster's is 9"

    def crashed() -> dict[str, Any]:
        raise RuntimeError("disk full")

    calculation.start(tmp_path, crashed)
    assert ended(tmp_path).error == "internal error: disk full"


def test_a_running_record_whose_process_died_reads_as_failed(tmp_path: Path) -> None:
    # A worker killed mid-build leaves "running" behind, and no one holds the lock.
    (tmp_path / calculation.STATE_FILE).write_text(
        '{"state": "running", "started_at": "2026-12-07T10:00:00+00:00"}'
    )
    found = calculation.latest(tmp_path)
    assert found.state == "failed"
    assert found.started_at == "2026-12-07T10:00:00+00:00"
    assert found.error == calculation.ENDED
    # ... and a new calculation may start.
    assert calculation.start(tmp_path, lambda: {"ok": True}).state == "running"
    assert ended(tmp_path).result == {"ok": True}
