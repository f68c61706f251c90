"""What building a node's ENC document costs, against serving the same bytes ready-made.

A 5,000-machine inventory on a SQLite file (10 clusters of 500 by default:
controllers, Ceph, Swift, hundreds of computes, OSD nodes and Swift stores;
every machine with its root key pair, so computes carry every compute's key and
every node's /etc/hosts names its whole cluster, as OCI's documents do), and
the real Flask app. For every node, in turn:
  enc:       GET /api/v1/enc/<fqdn>: load the snapshot, decide, dump the YAML
  baseline:  GET /api/v1/bench/enc-bytes/<fqdn>: the same document's bytes,
             precomputed, through the same app (routing, token check, session)
and prints enc/baseline for the median and the 99th percentile, measured in
this one run: "cold" is each node's first call after its cluster changed (the
cluster's view is read once, then each document is built), "warm" a later call
(Puppet's every-30-minutes run against an unchanged cluster: the kept document
is checked current and served). Both over two transports:
  wsgi:  in the process, through Flask's test client (no socket: the strictest)
  http:  through gunicorn and a new HTTP connection per call, as
         oci-puppet-enc calls the server
Run: .venv/bin/python bench/enc.py [MACHINES] [CLUSTERS]
"""

from __future__ import annotations

import base64
import ipaddress
import multiprocessing
import os
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
from sqlalchemy.orm import Session

from oci import migrate
from oci.api.app import create_app
from oci.api.endpoint import Access, endpoint
from oci.config import Settings
from oci.db import make_engine, make_sessionmaker
from oci.enc import loader, served
from oci.enrolment import clusters
from oci.enrolment.secrets import rsa_key_pair
from oci.models import IpAddress, Machine, Network, Role, RootKeyPair
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


def inventory(url: str, key: Path, total: int, count: int) -> list[str]:
    """``count`` clusters of ``total // count`` machines; every host name."""
    engine = make_engine(url)
    vault = Vault.from_file(key)
    private, public = rsa_key_pair()
    sealed = vault.encrypt(private)
    hosts: list[str] = []
    with make_sessionmaker(engine)() as s:
        clusters.create_swift_region(s, "region1")
        clusters.create_location(s, "zone1", "region1")
        for index in range(count):
            hosts += one_cluster(s, vault, f"bench{index}", index, total // count, public, sealed)
        s.commit()
    engine.dispose()
    return hosts


def one_cluster(
    s: Session, vault: Vault, name: str, index: int, total: int, public: str, sealed: str
) -> list[str]:
    clusters.create_cluster(s, name, "example.com", vault)
    for net_name, cidr, is_public, role in (
        (f"{name}-mgmt", f"10.{index}.0.0/18", False, "all"),
        (f"{name}-public", f"192.0.{index}.0/24", True, "controller"),
        (f"{name}-ceph", f"10.{100 + index}.0.0/20", False, "ceph-cluster"),
    ):
        net = ipaddress.ip_network(cidr)
        clusters.create_network(
            s, net_name, str(net.network_address), net.prefixlen, "zone1", is_public
        )
        clusters.attach_network(s, net_name, name, role, "eno1", None)
    s.flush()
    cluster = clusters.by_name(s, clusters.Cluster, name, "cluster")
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
                    "serial": f"{name}-{role}-{n}",
                    "hostname": f"{name}-{role}-{n}.example.com",
                    "cluster_id": cluster.id,
                    "role_id": roles[role],
                    "location_id": location.id,
                    "is_first_master": role == "controller" and n == 1,
                    "settings": GPU if role == "compute" and n % 10 == 0 else {},
                    "compute_aggregate": "az-gpu" if role == "compute" else None,
                }
            )
    s.execute(insert(Machine), rows)
    nets = {
        n.name.removeprefix(f"{name}-"): n
        for n in s.scalars(select(Network).where(Network.cluster_id == cluster.id))
    }
    machines = s.execute(
        select(Machine.id, Machine.hostname, Machine.role_id).where(
            Machine.cluster_id == cluster.id
        )
    ).all()
    by_role = {v: k for k, v in roles.items()}
    addresses = []
    hosts = {name: nets[name].ip_network.hosts() for name in nets}
    for name in hosts:
        next(hosts[name])  # the gateway
        if nets[name].is_public:
            next(hosts[name])  # the VIP, reserved by attach_network
    for m in machines:
        role = by_role[m.role_id]
        wanted = ["mgmt"] + (["ceph"] if role == "cephosd" else [])
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
    # Each machine a public key body of its own (random bytes of an RSA-2048 body's
    # size: as incompressible and as long), the one private key shared (its own only).
    keys = [{"machine_id": m.id, "public_key": random_body(len(public)),
             "private_ciphertext": sealed} for m in machines]  # fmt: skip
    s.execute(insert(RootKeyPair), keys)
    s.flush()
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
            f"  {name:9} {label:6} enc {e * 1000:6.2f} ms  baseline {b * 1000:6.2f} ms"
            f"  ratio {e / b:4.2f}x"
        )


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        settings = Settings(
            data_dir=Path(tmp), database_url=url, log_level="WARNING", enc_overrides_dir=None
        )
        started = time.perf_counter()
        hosts = inventory(url, settings.effective_secret_key_file, total, count)
        built = time.perf_counter() - started
        ready: dict[str, bytes] = {}
        app = bench_app(settings, ready)
        with make_sessionmaker(app.extensions["oci_engine"])() as s, s.begin():
            token = users.create_token(s, users.add_user(s, "bench", "bench-password", admin=True))
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        for fqdn in hosts:  # the bytes the baseline serves
            response = client.get(f"/api/v1/enc/{fqdn}", headers=headers)
            assert response.status_code == 200, response.data
            ready[fqdn] = response.data

        def wsgi(path: str) -> bytes:
            return client.get(path, headers=headers).data

        results = {}
        forget()
        results["wsgi cold"] = measure(wsgi, hosts)
        results["wsgi warm"] = measure(wsgi, hosts)
        kept, bound = served.DOCUMENTS.size, served.DOCUMENTS.max_bytes
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

            results["http cold"] = measure(get, hosts)  # a new server: nothing kept
            results["http warm"] = measure(get, hosts)
        finally:
            server.terminate()
            server.join()
    print(f"{len(hosts)} machines in {count} clusters, SQLite (built in {built:.1f} s)")
    size = statistics.median(len(b) for b in ready.values())
    total_size = sum(len(b) for b in ready.values())
    print(f"  median document: {size / 1024:.1f} KiB; all: {total_size / 2**20:.0f} MiB,")
    print(f"  kept in {kept / 2**20:.0f} MiB (distinct lines once; bound {bound / 2**20:.0f} MiB)")
    for name, (enc, base) in results.items():
        report(name, enc, base)


def random_body(length: int) -> str:
    return base64.b64encode(os.urandom(length * 3 // 4)).decode()[:length]


def forget() -> None:
    """Drop what the ENC keeps: the next call of every node is a first one."""
    served.DOCUMENTS.clear()
    loader.VIEWS.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
