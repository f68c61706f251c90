"""How much a re-report costs the server compared with a first report.

Every live machine re-reports every 30 s, so the unchanged re-report is the
server's steady load. This posts, through the real Flask app on a SQLite file:
  first:     a new machine's first report (parse, create rows, keep the raw report)
  changed:   a re-report whose hardware changed (parse, diff, update rows, keep it)
  unchanged: a re-report that changes nothing (parse, compare a digest, bump last_seen)
and prints each one's time per report as a ratio of `unchanged`, measured in
this one run. Run: .venv/bin/python bench/discovery_ingest.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oci import migrate
from oci.api.app import create_app
from oci.config import Settings
from tests.helpers.reports import archive, machine_files

HEADERS = {"Content-Type": "application/gzip"}


def report(n: int, memory_kb: int = 1024) -> bytes:
    macs = (f"00:1b:21:{n >> 8 & 0xFF:02x}:{n & 0xFF:02x}:01",)
    extra = {"meminfo.txt": f"MemTotal: {memory_kb} kB\n"}
    uuid = f"4c4c4544-0000-1000-8000-{n:012x}"
    return archive(machine_files(f"BENCH-{n}", uuid, macs, extra=extra))


def timed(client, bodies: list[bytes], expect: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/discovery/reports", data=body, headers=HEADERS)
        assert response.status_code == expect, response.get_json()
    return (time.perf_counter() - start) / len(bodies)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        app = create_app(Settings(data_dir=Path(tmp), database_url=url, log_level="WARNING"))
        client = app.test_client()
        first = timed(client, [report(n) for n in range(count)], 201)
        changed = timed(client, [report(n, memory_kb=2048) for n in range(count)], 200)
        unchanged = timed(client, [report(n, memory_kb=2048) for n in range(count)], 200)
    print(f"{count} machines, SQLite, one process")
    for name, value in (("first", first), ("changed", changed), ("unchanged", unchanged)):
        print(f"  {name:9} {value / unchanged:5.2f}x the unchanged re-report")


if __name__ == "__main__":
    main()
