# Writes: machine events (the outcome of each hook).
"""Hooks run after the commit, never before, never for a rolled-back write.

``install(factory, settings)`` gives the factory's sessions a dispatcher:
``document.queue()`` collects jobs on the session, the session's
``after_commit`` hands them to one background thread, and any end of the
transaction without a commit (a rollback, a retry of oci.transactions.run,
a session closed mid-way) drops them. The request that committed does not
wait for them.

One thread per server process runs the jobs one after the other, in commit
order: "enrolled" then "removed" reach a DNS hook in that order. Each hook's
outcome is a machine event (kind "hook") in a transaction of its own. A
machine forgotten meanwhile (machine-destroy) has no row to hold the event:
the outcome goes to the server's log instead, as the events table needs a
machine.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from oci import transactions
from oci.config import Settings
from oci.hooks.document import DISPATCHER, JOBS, Job
from oci.hooks.run import Outcome, hooks_for, run_hook
from oci.models import Machine, MachineEvent

__all__ = ["Dispatcher", "install"]

log = logging.getLogger(__name__)
KIND = "hook"


class Dispatcher:
    def __init__(self, factory: sessionmaker[Session], hooks_dir: Path, timeout: float) -> None:
        self.factory = factory
        self.hooks_dir = hooks_dir
        self.timeout = timeout
        # Threads start at the first job, so a server forking workers after this has none.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oci-hooks")

    def submit(self, jobs: list[Job]) -> None:
        for job in jobs:
            # A folder checked here spares a thread for events nobody hooks into.
            if (self.hooks_dir / job.event).is_dir():
                self._pool.submit(self._safely, job)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)

    def run_now(self, job: Job) -> list[Outcome]:
        """The job's hooks, one after the other, each outcome recorded; in this thread."""
        outcomes = []
        for path in hooks_for(self.hooks_dir, job.event):
            outcome = run_hook(path, job.event, job.text, self.timeout)
            self._record(job, outcome)
            outcomes.append(outcome)
        return outcomes

    def _safely(self, job: Job) -> None:
        try:
            self.run_now(job)
        except Exception:  # a hook must never take the server's thread down
            log.exception("hooks of %s for machine %s failed", job.event, job.machine_name)

    def _record(self, job: Job, outcome: Outcome) -> None:
        message = outcome.summary(job.event)
        details: dict[str, Any] = {
            "event": job.event,
            "hook": outcome.hook,
            "exit_status": outcome.exit_status,
            "duration": round(outcome.duration, 3),
            "timed_out": outcome.timed_out,
            "stderr": outcome.stderr,
            "error": outcome.error,
        }

        def work(session: Session) -> bool:
            machine = session.get(Machine, job.machine_id)
            if machine is None:
                return False
            session.add(MachineEvent(machine=machine, kind=KIND, message=message, details=details))
            return True

        level = logging.INFO if outcome.ok else logging.WARNING
        if not transactions.run(self.factory, work):
            log.log(level, "machine %s (gone): %s", job.machine_name, message)
        elif not outcome.ok:
            log.log(level, "machine %s: %s", job.machine_name, message)


def install(factory: sessionmaker[Session], settings: Settings) -> Dispatcher | None:
    """Run hooks after the commits of ``factory``'s sessions; None if hooks are off."""
    if settings.hooks_dir is None:
        return None
    dispatcher = Dispatcher(factory, settings.hooks_dir, settings.hook_timeout)
    info = dict(factory.kw.get("info") or {})
    info[DISPATCHER] = dispatcher
    factory.configure(info=info)

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        jobs: list[Job] = session.info.pop(JOBS, [])
        if jobs:
            dispatcher.submit(jobs)

    @event.listens_for(factory, "after_transaction_end")
    def _ended(session: Session, transaction: SessionTransaction) -> None:
        # After a commit the list is already gone; what is left was rolled back.
        if transaction.parent is None:
            session.info.pop(JOBS, None)

    return dispatcher
