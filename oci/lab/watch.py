"""`oci lab up`'s progress: each machine's stages, as they happen, until all are enrolled.

Enrolled and located: a machine may be enrolled on a first report in which
one NIC had not heard its switch yet (racking needs only the NICs whose link
is up); the lab waits for the report that shows every cable.

Reads only what an operator could: the server log, each machine's serial
console and the inventory through the API. Prints one line per stage a
machine reaches (oci/lab/progress.py), with what the inventory says of it,
and returns each machine's times from the start of the watch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from oci.cli.client import ApiClient, ApiError
from oci.lab.enrol import held
from oci.lab.fleet import LabMachine
from oci.lab.machines import machine_dir, qemu_marker, running, text_of
from oci.lab.progress import detail, reached

__all__ = ["Times", "watch"]

KEEPS_RUNNING = "the lab keeps running: oci lab status, oci lab down"
GOAL = "enrolled"


@dataclass
class Times:
    located: float | None = None  # seconds from the start of the watch
    enrolled: float | None = None

    @property
    def done(self) -> bool:
        """Enrolled, and every NIC heard the switch port the lab cabled it to."""
        return self.located is not None and self.enrolled is not None


@dataclass
class _Watch:
    """What was shown so far, machine by machine."""

    lab_dir: Path
    client: ApiClient
    machines: list[LabMachine]
    show: Callable[[str], None]
    shown: dict[str, list[str]] = field(default_factory=dict)  # the stages printed
    holds: dict[str, str] = field(default_factory=dict)  # why hands-free enrolment waits
    times: dict[str, Times] = field(default_factory=dict)

    def line(self, elapsed: float, machine: LabMachine, text: str) -> None:
        self.show(f"[{elapsed:6.1f} s] {machine.name} ({machine.firmware}): {text}")

    def look(self, log: str, elapsed: float) -> None:
        """One look at every machine: print the stages it newly reached (and why it
        is held), note the times; ClickException when its QEMU stopped too early."""
        records = {m["serial"]: m for m in self.client.iterate(ApiClient.path("machines"))}
        for machine in self.machines:
            took = self.times.setdefault(machine.name, Times())
            console = text_of(machine_dir(self.lab_dir, machine) / "console.log")
            record = records.get(machine.serial)
            shown = self.shown.setdefault(machine.name, [])
            new = [s for s in reached(machine, log, console, record) if s not in shown]
            full: dict[str, Any] | None = None
            for name in new:
                if record is not None and full is None:
                    full = self.client.get(ApiClient.path("machines", machine.serial))
                about = detail(name, full) if full is not None else ""
                self.line(elapsed, machine, name + (f" {about}" if about else ""))
                shown.append(name)
                if name == "located":
                    took.located = elapsed
                if name == GOAL:
                    took.enrolled = elapsed
            if took.done:
                continue
            if record is not None and took.enrolled is None:
                why = held(self.client, machine.serial)
                if why and self.holds.get(machine.name) != why:
                    self.holds[machine.name] = why
                    self.line(elapsed, machine, f"held: {why}")
            if running(machine_dir(self.lab_dir, machine) / "qemu.pid", qemu_marker(machine)):
                continue
            raise click.ClickException(
                f"{machine.name} stopped before it was enrolled ({KEEPS_RUNNING}):\n"
                + console[-2000:]
            )

    def late(self) -> list[str]:
        return [m.name for m in self.machines if not self.times[m.name].done]

    def why(self, name: str) -> str:
        if self.times[name].enrolled is not None:
            return "enrolled, but its LLDP neighbours lack a switch port it is cabled to"
        return self.holds.get(name) or self.shown[name][-1]


def watch(
    lab_dir: Path,
    server_log: Path,
    client: ApiClient,
    machines: list[LabMachine],
    timeout: float,
    show: Callable[[str], None],
) -> dict[str, Times]:
    """Show each machine's stages until every one is enrolled and located (its next
    report brings a NIC's LLDP that came late); ClickException when one stops, or
    at the deadline (naming why the late ones wait)."""
    started = time.monotonic()
    state = _Watch(lab_dir, client, machines, show)
    while True:
        elapsed = time.monotonic() - started
        try:
            state.look(text_of(server_log), elapsed)
        except ApiError as exc:
            raise click.ClickException(f"the lab server stopped answering: {exc}") from exc
        late = state.late()
        if not late:
            return state.times
        if elapsed > timeout:
            reasons = "; ".join(f"{name}: {state.why(name)}" for name in late)
            raise click.ClickException(
                f"not enrolled within {timeout:.0f} s: {reasons} ({KEEPS_RUNNING})"
            )
        time.sleep(1)
