"""What the dashboard's fleet and racks pages cost on the server, for a large fleet.

N machines (default 5,000) on a SQLite file, each with disks, NICs, a GPU and
two LLDP neighbours; most placed in 42U racks (several datacenters and rows),
some unplaced and some with a switch no rule knows (racking flags), in every
state, a third of them enrolled in a cluster. Through the real Flask app and
its test client (no socket), logged in as a browser is:
  fleet:     GET /ui/fleet   every machine, one HTML table
  racks:     GET /ui/racks   every rack's elevation, the unplaced, the flags
  baseline:  GET /api/v1/machines, every page of it: the same machines as the
             API's JSON list (what a script reads today)
Prints the median of a few runs of each, in seconds, and each page's ratio to
the baseline. The goals: the fleet page under 1 s, the racks page under 2 s.
Run: .venv/bin/python bench/dashboard.py [MACHINES]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient
from sqlalchemy import insert, select

from oci import migrate
from oci.api.app import create_app
from oci.config import Settings
from oci.db import make_engine, make_sessionmaker
from oci.models import Cluster, Disk, LldpNeighbour, Machine, MachineStatus, Nic, PciDevice, Role
from oci.security import users
from tests.helpers.web import csrf_of

STATES = list(MachineStatus)
ROLES = ("controller", "compute", "cephosd", "swiftstore")
RUNS = 5


def inventory(url: str, total: int) -> None:
    engine = make_engine(url)
    now = datetime.now(UTC)
    with make_sessionmaker(engine)() as s:
        users.add_user(s, "bench", "bench-password", admin=True)
        s.add(Cluster(name="bench", domain="example.com"))
        s.flush()
        cluster = s.scalar(select(Cluster.id).where(Cluster.name == "bench"))
        roles = {name: s.scalar(select(Role.id).where(Role.name == name)) for name in ROLES}
        machines, disks, nics, pcis, lldp = [], [], [], [], []
        for n in range(1, total + 1):
            rack, u = divmod(n - 1, 40)
            placed = n % 20 != 0  # one in twenty unplaced
            enrolled = n % 3 == 0
            role = ROLES[n % len(ROLES)]
            dc, row, name = f"dc{rack % 3 + 1}", f"row{rack % 5 + 1}", f"rack{rack + 1}"
            machines.append(
                {
                    "id": n,
                    "serial": f"BENCH{n:06d}",
                    "manufacturer": "Dell Inc.",
                    "product_name": "PowerEdge R650",
                    "architecture": "x86_64",
                    "cpu_model": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
                    "cpu_threads": 128,
                    "memory_bytes": 512 * 2**30,
                    "status": STATES[n % len(STATES)].value,
                    "hostname": f"bench-{role}-{n}.example.com" if enrolled else None,
                    "cluster_id": cluster if enrolled else None,
                    "role_id": roles[role] if enrolled else None,
                    "datacenter": dc if placed else None,
                    "row": row if placed else None,
                    "rack": name if placed else None,
                    "u_position": u + 1 if placed else None,
                    "hardware_profile": f"{role}-r650" if enrolled else None,
                    "settings": {},
                    "discovery_count": 1,
                    "first_seen": now,
                    "last_seen": now,
                    "created_at": now,
                    "updated_at": now,
                    "is_first_master": False,
                }
            )
            for d, (size, kind) in enumerate(
                ((480_103_981_056, "ssd"), (3_840_755_982_336, "nvme"))
            ):
                disks.append({"machine_id": n, "name": f"d{d}", "size_bytes": size, "kind": kind})
            for i in range(2):
                mac = f"00:1b:21:{n >> 8 & 255:02x}:{n & 255:02x}:{i:02x}"
                nics.append(
                    {
                        "machine_id": n,
                        "name": f"eno{i + 1}",
                        "mac": mac,
                        "identity_mac": mac if n < 65536 else None,
                        "physical": True,
                        "speed_mbps": 25000,
                        "link_up": True,
                    }
                )
                switch = f"{dc}-{row}-{name}-sw{i + 1}" if n % 50 else "mystery-switch"
                lldp.append(
                    {
                        "machine_id": n,
                        "interface": f"eno{i + 1}",
                        "switch_name": switch,
                        "port_id": f"swp{u + 1}",
                    }
                )
            pcis.append(
                {
                    "machine_id": n,
                    "address": "0000:3b:00.0",
                    "class_id": "0302",
                    "vendor_id": "10de",
                    "device_id": "1eb8",
                    "device_name": "Tesla T4",
                }
            )
        for model, rows in (
            (Machine, machines),
            (Disk, disks),
            (Nic, nics),
            (PciDevice, pcis),
            (LldpNeighbour, lldp),
        ):
            s.execute(insert(model), rows)
        s.commit()
    engine.dispose()


def median_seconds(call: Callable[[], None]) -> float:
    call()  # warm: templates compiled, caches filled
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        inventory(url, total)
        app = create_app(Settings(database_url=url, data_dir=Path(tmp), log_level="WARNING"))
        client: FlaskClient = app.test_client()
        form = client.get("/ui/login")
        client.post(
            "/ui/login",
            data={"login": "bench", "password": "bench-password", "csrf_token": csrf_of(form)},
        )
        with make_sessionmaker(make_engine(url))() as s:
            token = users.create_token(s, users.get_user(s, "bench"))
            s.commit()

        def page(path: str) -> Callable[[], None]:
            def get() -> None:
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.status_code)
                assert answer.get_data(as_text=True).count("BENCH") >= total

            return get

        def api_list() -> None:
            seen, offset = 0, 0
            while True:
                body = client.get(
                    f"/api/v1/machines?offset={offset}",
                    headers={"Authorization": f"Bearer {token}"},
                ).get_json()
                seen += len(body["items"])
                offset += len(body["items"])
                if not body["items"] or offset >= body["total"]:
                    break
            assert seen == total, seen

        fleet = median_seconds(page("/ui/fleet"))
        racks = median_seconds(page("/ui/racks"))
        baseline = median_seconds(api_list)
        size = len(client.get("/ui/fleet").get_data()) / 1e6
        print(f"{total} machines, median of {RUNS} runs, server side (Flask test client, SQLite)")
        print(
            f"  fleet page     {fleet:7.3f} s  ({size:.1f} MB of HTML)  goal < 1 s   "
            f"{'ok' if fleet < 1 else 'SLOW'}"
        )
        print(
            f"  racks page     {racks:7.3f} s                       goal < 2 s   "
            f"{'ok' if racks < 2 else 'SLOW'}"
        )
        print(f"  API JSON list  {baseline:7.3f} s  (GET /api/v1/machines, every page)")
        print(
            f"  ratios to the API list: fleet {fleet / baseline:.2f}, racks {racks / baseline:.2f}"
        )
        app.extensions["oci_engine"].dispose()


if __name__ == "__main__":
    main()
