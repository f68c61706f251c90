"""What building a node's ENC document costs, against serving the same bytes ready-made.

A 5,000-machine inventory on a SQLite file (one cluster: controllers, Ceph,
Swift, thousands of computes, OSD nodes and Swift stores), and the real Flask
app. For every node, in turn:
  enc:       GET /api/v1/enc/<fqdn>: load the snapshot, decide, dump the YAML
  baseline:  GET /api/v1/bench/enc-bytes/<fqdn>: the same document's bytes,
             precomputed, through the same app (routing, token check, session)
and prints enc/baseline for the median and the 99th percentile, measured in
this one run, twice:
  wsgi:  in the process, through Flask's test client (no socket: the strictest)
  http:  through gunicorn and a new HTTP connection per call, as
         oci-puppet-enc calls the server
Run: .venv/bin/python bench/enc.py [MACHINES]
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from flask import Flask, Response
from gunicorn.app.base import BaseApplication
from sqlalchemy import insert, select

from oci import migrate
from oci.api.app import create_app
from oci.api.endpoint import Access, endpoint
from oci.config import Settings
from oci.db import make_engine, make_sessionmaker
from oci.enrolment import clusters
from oci.models import IpAddress, Machine, Network, Role
from oci.security import users
from oci.security.vault import Vault

SMALL = {
    "controller": 3,
    "network": 2,
    "cephmon": 3,
    "swiftproxy": 2,
    "messaging": 3,
    "volume": 2,
    "sql": 3,
}
GPU = {"gpus": [{"name": "t4", "vendor_id": "10de", "product_id": "1eb8"}]}


def inventory(url: str, key: Path, total: int) -> list[str]:
    """Build the cluster with bulk inserts; return every host name."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        vault = Vault.from_file(key)
        clusters.create_swift_region(s, "region1")
        clusters.create_location(s, "zone1", "region1")
        clusters.create_cluster(s, "bench", "example.com", vault)
        for name, cidr, public, role in (
            ("mgmt", "10.0.0.0/18", False, "all"),
            ("public", "192.0.2.0/24", True, "controller"),
            ("ceph", "10.1.0.0/20", False, "ceph-cluster"),
        ):
            net = ipaddress.ip_network(cidr)
            clusters.create_network(
                s, name, str(net.network_address), net.prefixlen, "zone1", public
            )
            clusters.attach_network(s, name, "bench", role, "eno1", None)
        s.flush()
        cluster = clusters.by_name(s, clusters.Cluster, "bench", "cluster")
        location = clusters.by_name(s, clusters.Location, "zone1", "location")
        roles = dict(s.execute(select(Role.name, Role.id)).all())
        rest = total - sum(SMALL.values())
        counts = SMALL | {
            "cephosd": rest // 10,
            "swiftstore": rest // 10,
            "compute": rest - 2 * (rest // 10),
        }
        rows = []
        for role, count in counts.items():
            for n in range(1, count + 1):
                rows.append(
                    {
                        "serial": f"B-{role}-{n}",
                        "hostname": f"bench-{role}-{n}.example.com",
                        "cluster_id": cluster.id,
                        "role_id": roles[role],
                        "location_id": location.id,
                        "is_first_master": role == "controller" and n == 1,
                        "settings": GPU if role == "compute" and n % 10 == 0 else {},
                        "compute_aggregate": "az-gpu" if role == "compute" else None,
                    }
                )
        s.execute(insert(Machine), rows)
        nets = {n.name: n for n in s.scalars(select(Network))}
        machines = s.execute(select(Machine.id, Machine.hostname, Machine.role_id)).all()
        by_role = {v: k for k, v in roles.items()}
        addresses = []
        hosts = {name: nets[name].ip_network.hosts() for name in nets}
        for name in hosts:
            next(hosts[name])  # the gateway
            if nets[name].is_public:
                next(hosts[name])  # the VIP, reserved by attach_network
        for m in machines:
            role = by_role[m.role_id]
            wanted = ["mgmt"] + (["public"] if role == "controller" else [])
            wanted += ["ceph"] if role == "cephosd" else []
            for name in wanted:
                addresses.append(
                    {
                        "network_id": nets[name].id,
                        "address": str(next(hosts[name])),
                        "machine_id": m.id,
                        "purpose": "host",
                    }
                )
        s.execute(insert(IpAddress), addresses)
        s.commit()
    engine.dispose()
    return [m.hostname for m in machines]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_app(settings: Settings, ready: dict[str, bytes]) -> Flask:
    """The real app plus the baseline route, which serves ``ready``'s bytes."""
    app = create_app(settings)

    @app.get("/api/v1/bench/enc-bytes/<fqdn>")
    @endpoint("Bench baseline", tag="bench", access=Access.SECRET)
    def baseline(fqdn: str) -> Response:
        response = Response(ready[fqdn], mimetype="application/yaml")
        response.headers["Cache-Control"] = "no-store"
        return response

    return app


def measure(get: Callable[[str], bytes], hosts: list[str]) -> tuple[list[float], list[float]]:
    enc, base = [], []
    for fqdn in hosts:  # interleaved: both see the same machine load
        start = time.perf_counter()
        get(f"/api/v1/enc/{fqdn}")
        middle = time.perf_counter()
        get(f"/api/v1/bench/enc-bytes/{fqdn}")
        enc.append(middle - start)
        base.append(time.perf_counter() - middle)
    return enc, base


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, port: int) -> None:
        self.app = app
        self.port = port
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"127.0.0.1:{self.port}")
        self.cfg.set("workers", 1)
        self.cfg.set("loglevel", "warning")

    def load(self) -> Flask:
        return self.app


def report(name: str, enc: list[float], base: list[float]) -> None:
    for label, fraction in (("median", 0.5), ("p99", 0.99)):
        e, b = percentile(enc, fraction), percentile(base, fraction)
        print(
            f"  {name:4} {label:6} enc {e * 1000:6.2f} ms  baseline {b * 1000:6.2f} ms"
            f"  ratio {e / b:4.2f}x"
        )


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        settings = Settings(
            data_dir=Path(tmp), database_url=url, log_level="WARNING", enc_overrides_dir=None
        )
        started = time.perf_counter()
        hosts = inventory(url, settings.effective_secret_key_file, total)
        built = time.perf_counter() - started
        ready: dict[str, bytes] = {}
        app = bench_app(settings, ready)
        with make_sessionmaker(app.extensions["oci_engine"])() as s, s.begin():
            token = users.create_token(s, users.add_user(s, "bench", "bench-password", admin=True))
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        for fqdn in hosts:  # warm up, and the bytes the baseline serves
            response = client.get(f"/api/v1/enc/{fqdn}", headers=headers)
            assert response.status_code == 200, response.data
            ready[fqdn] = response.data
        results = {"wsgi": measure(lambda path: client.get(path, headers=headers).data, hosts)}
        app.extensions["oci_engine"].dispose()

        port = free_port()
        server = multiprocessing.get_context("fork").Process(
            target=_Gunicorn(bench_app(settings, ready), port).run
        )
        server.start()
        base_url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    requests.get(base_url + "/api/v1/health", timeout=5)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)

            def get(path: str) -> bytes:
                response = requests.get(base_url + path, headers=headers, timeout=30)
                assert response.status_code == 200, response.text
                return response.content

            results["http"] = measure(get, hosts)
        finally:
            server.terminate()
            server.join()
    print(f"{len(hosts)} machines in one cluster, SQLite (built in {built:.1f} s)")
    size = statistics.median(len(b) for b in ready.values())
    print(f"  median document: {size / 1024:.1f} KiB")
    for name, (enc, base) in results.items():
        report(name, enc, base)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
