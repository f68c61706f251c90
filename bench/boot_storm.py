"""A boot storm against the real server, next to a no-op route in the same run.

Starts `oci serve` (gunicorn, 2 workers) on a SQLite file, or with
`--db postgresql` on a throwaway PostgreSQL database (created, then dropped;
the server of OCI_TEST_POSTGRESQL_URL, default 127.0.0.1:5432 as user
postgres), then N simulated machines (16 client threads, loopback;
tests/helpers/storm.py) each:
  no-op:   GET /api/v1/health           (the baseline: HTTP + routing only)
  script:  GET /boot/ipxe?mac=...       (look the machine up, render its script)
  report:  POST /api/v1/discovery/reports (parse, create the machine, keep the report)
and prints each phase's throughput and p99 latency, and both as ratios of the
no-op's; then counts, in the database, the machines and the reports kept
(nothing lost: N distinct machines, each with its report).
Run: .venv/bin/python bench/boot_storm.py [N] [--db sqlite|postgresql]   (default 1000, sqlite)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oci import migrate
from oci.models import DiscoveryReport, Machine
from tests.helpers import storm
from tests.helpers.backends import ADMIN_DATABASE, SERVER_URLS, recreate_database
from tests.helpers.server import free_port, wait_for_http

BIN = Path(sys.executable).parent


@contextlib.contextmanager
def database(backend: str, tmp: str) -> Iterator[str]:
    """The URL of an empty database of `backend`, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"oci_bench_{os.getpid()}"
    url = recreate_database(backend, name)
    try:
        yield url
    finally:
        admin = make_url(SERVER_URLS[backend]).set(database=ADMIN_DATABASE[backend])
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def kept(url_db: str) -> tuple[int, int, int]:
    """(machines, distinct serials, machines with a report) in the database."""
    engine = create_engine(url_db)
    with engine.connect() as conn:
        machines = conn.scalar(select(func.count()).select_from(Machine)) or 0
        serials = conn.scalar(select(func.count(func.distinct(Machine.serial)))) or 0
        reported = conn.scalar(select(func.count(func.distinct(DiscoveryReport.machine_id)))) or 0
    engine.dispose()
    return machines, serials, reported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=1000, help="machines")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    count: int = args.count
    machines = [storm.StormMachine(n) for n in range(count)]
    bodies = [machine.report() for machine in machines]
    with tempfile.TemporaryDirectory() as tmp, database(args.db, tmp) as url_db:
        migrate.upgrade(url_db)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
        env |= {
            "OCI_DATABASE_URL": url_db,
            "OCI_DATA_DIR": tmp,
            "OCI_CONFIG": f"{tmp}/none.toml",
            "OCI_LOG_LEVEL": "WARNING",
        }
        Path(f"{tmp}/none.toml").write_text("")
        log = open(f"{tmp}/server.log", "wb")  # noqa: SIM115
        server = subprocess.Popen(
            [str(BIN / "oci"), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        try:
            wait_for_http(url + "/api/v1/health", server, Path(f"{tmp}/server.log"))
            phases = {
                "no-op": storm.run(count, lambda s, i: s.get(url + "/api/v1/health", timeout=30)),
                "script": storm.run(count, lambda s, i: storm.boot_script(url, machines[i])(s)),
                "report": storm.run(count, lambda s, i: storm.post_report(url, bodies[i])(s)),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        elapsed = time.perf_counter() - started
        machines_kept, serials, reported = kept(url_db)
    base = phases["no-op"]
    print(
        f"{count} machines, `oci serve` (2 workers) on {args.db}, 16 clients, loopback;"
        f" {elapsed:.0f} s in all"
    )
    for name, outcome in phases.items():
        lost = len(outcome.failures)
        slower = base.throughput / outcome.throughput
        print(
            f"  {name:7} {outcome.throughput:7.0f} req/s ({slower:5.1f}x"
            f" slower than no-op)  p99 {outcome.percentile(0.99) * 1000:7.1f} ms"
            f" ({outcome.percentile(0.99) / base.percentile(0.99):5.1f}x no-op)"
            f"  retries {outcome.retries}  lost {lost}  statuses {outcome.statuses}"
        )
    print(
        f"  in the database: {machines_kept} machines, {serials} distinct serials,"
        f" {reported} with their report; lost {count - reported}"
    )


if __name__ == "__main__":
    main()
