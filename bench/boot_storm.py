"""A boot storm against the real server, next to a no-op route in the same run.

Starts `oci serve` (gunicorn, 2 workers) on a SQLite file, then N simulated
machines (16 client threads, loopback; tests/helpers/storm.py) each:
  no-op:   GET /api/v1/health           (the baseline: HTTP + routing only)
  script:  GET /boot/ipxe?mac=...       (look the machine up, render its script)
  report:  POST /api/v1/discovery/reports (parse, create the machine, keep the report)
and prints each phase's throughput and p99 latency, and both as ratios of the
no-op's. Run: .venv/bin/python bench/boot_storm.py [N]   (default 1000)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oci import migrate
from tests.helpers import storm

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    machines = [storm.StormMachine(n) for n in range(count)]
    bodies = [machine.report() for machine in machines]
    with tempfile.TemporaryDirectory() as tmp:
        url_db = f"sqlite:///{tmp}/bench.db"
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
        try:
            for _ in range(100):
                try:
                    requests.get(url + "/api/v1/health", timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            phases = {
                "no-op": storm.run(count, lambda s, i: s.get(url + "/api/v1/health", timeout=30)),
                "script": storm.run(count, lambda s, i: storm.boot_script(url, machines[i])(s)),
                "report": storm.run(count, lambda s, i: storm.post_report(url, bodies[i])(s)),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    base = phases["no-op"]
    print(f"{count} machines, `oci serve` (2 workers) on SQLite, 16 clients, loopback")
    for name, outcome in phases.items():
        lost = len(outcome.failures)
        slower = base.throughput / outcome.throughput
        print(
            f"  {name:7} {outcome.throughput:7.0f} req/s ({slower:5.1f}x"
            f" slower than no-op)  p99 {outcome.percentile(0.99) * 1000:7.1f} ms"
            f" ({outcome.percentile(0.99) / base.percentile(0.99):5.1f}x no-op)"
            f"  retries {outcome.retries}  lost {lost}  statuses {outcome.statuses}"
        )


if __name__ == "__main__":
    main()
