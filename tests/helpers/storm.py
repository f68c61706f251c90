"""A boot storm: many distinct machines asking for their boot script and posting a report.

Each simulated machine does what a real one does against the boot service:
GET /boot/ipxe with its MAC, UUID and serial, then POST its discovery report
(a real captured report with its own identity, tests/helpers/reports.py). Clients
run in threads over loopback; a client retries on no answer or a 5xx, as
the agent does, and every attempt is counted. Used by tests/api/test_boot_storm.py
(nothing lost) and bench/boot_storm.py (throughput and p99 against a no-op).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from tests.helpers.reports import archive, machine_files

REPORT_HEADERS = {"Content-Type": "application/gzip"}


@dataclass(frozen=True)
class StormMachine:
    number: int

    @property
    def serial(self) -> str:
        return f"STORM{self.number:05d}"

    @property
    def uuid(self) -> str:
        return f"5707a000-0000-4000-8000-{self.number:012x}"

    @property
    def mac(self) -> str:
        n = self.number
        return f"00:1b:21:{n >> 16 & 0xFF:02x}:{n >> 8 & 0xFF:02x}:{n & 0xFF:02x}"

    def report(self) -> bytes:
        return archive(machine_files(self.serial, self.uuid, (self.mac,)))


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, of the successful attempt
    statuses: dict[int, int] = field(default_factory=dict)  # final status -> count
    retries: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _attempt(
    session: requests.Session, send: Callable[[requests.Session], requests.Response], tries: int
) -> tuple[requests.Response | None, float, int, str]:
    error = ""
    for attempt in range(tries):
        started = time.perf_counter()
        try:
            response = send(session)
        except requests.RequestException as exc:
            error = f"no answer: {exc}"
        else:
            if response.status_code < 500:
                return response, time.perf_counter() - started, attempt, ""
            error = f"{response.status_code}: {response.text[:200]}"
        time.sleep(0.2 * (attempt + 1))
    return None, 0.0, tries - 1, error


def run(
    count: int,
    send: Callable[[requests.Session, int], requests.Response],
    *,
    clients: int = 16,
    tries: int = 5,
) -> Outcome:
    """Call send(session, i) for i in range(count) from `clients` threads."""
    outcome = Outcome()
    sessions: dict[int, requests.Session] = {}
    # The counts are read-modify-writes from many threads: one lock, or some are lost.
    counting = threading.Lock()

    def one(index: int) -> None:
        session = sessions.setdefault(threading.get_ident(), requests.Session())
        response, latency, retried, error = _attempt(session, lambda s: send(s, index), tries)
        with counting:
            outcome.retries += retried
            if response is None:
                outcome.failures.append(f"#{index}: {error}")
                return
            status = response.status_code
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
            outcome.latencies.append(latency)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(count)))
    outcome.seconds = time.perf_counter() - started
    for session in sessions.values():
        session.close()
    return outcome


def boot_script(url: str, machine: StormMachine) -> Callable[[requests.Session], requests.Response]:
    params = {
        "mac": machine.mac.replace(":", "-"),
        "uuid": machine.uuid,
        "serial": machine.serial,
        "buildarch": "x86_64",
        "platform": "efi" if machine.number % 2 else "pcbios",
    }
    return lambda session: session.get(f"{url}/boot/ipxe", params=params, timeout=30)


def post_report(url: str, body: bytes) -> Callable[[requests.Session], requests.Response]:
    return lambda session: session.post(
        f"{url}/api/v1/discovery/reports", data=body, headers=REPORT_HEADERS, timeout=60
    )
