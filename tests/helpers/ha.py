"""oci highly available as README's "Running oci highly available" sets it up: several
``oci serve`` on one database and one data directory, haproxy in front of them.

Each server runs in its own session, so that ``kill()`` takes the gunicorn master
and its workers down at once with SIGKILL, as a crashed machine would. haproxy's
configuration is written from a Jinja2 template; its statistics page (CSV)
says which servers it sends to.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import requests

from tests.helpers.database import Database
from tests.helpers.server import BIN, free_port, wait_for_http

# The README's fragment, with the test's ports. Health checks every second, a
# server is out after 3 failed ones and back after 2; a request that cannot
# connect to its server is sent to another at once (retries, redispatch 1).
# haproxy connects to the servers from PROXY_SOURCE, which is not a trusted
# network: machines (from 127.0.0.1) are let in because the PROXY header
# (send-proxy, OCI_TRUSTED_PROXIES) names them.
PROXY_SOURCE = "127.0.0.3"
CLIENTS = "127.0.0.1"
HAPROXY_CFG = jinja2.Template(
    """\
global
    maxconn 1024

defaults
    mode http
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 30s
    retries 3
    option redispatch 1

frontend oci
    bind 127.0.0.1:{{ port }}
    default_backend oci_servers

backend oci_servers
    balance roundrobin
    source {{ source }}
    option httpchk GET /api/v1/health
    http-check expect status 200
    default-server inter 1s fall 3 rise 2
{% for server in servers %}\
    server {{ server.name }} 127.0.0.1:{{ server.port }} check send-proxy
{% endfor %}
frontend stats
    bind 127.0.0.1:{{ stats_port }}
    stats enable
    stats uri /stats
""",
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


TWO = ("--workers", "2")


@dataclass
class Instance:
    """One ``oci serve`` (gunicorn, 2 workers) on a fixed port."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "oci"), "serve", "--host", "127.0.0.1", "--port", str(self.port), *TWO],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_http(self.url + "/api/v1/health", self.process, self.log)

    def kill(self) -> None:
        """kill -9 of the master and its workers: no request in flight is answered."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class HaOci:
    url: str  # haproxy's: the one address clients use
    stats_url: str
    instances: list[Instance]
    haproxy_log: Path
    config: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def server_states(self) -> dict[str, str]:
        """haproxy's view: server name -> UP, DOWN, ..."""
        text = requests.get(self.stats_url + ";csv", timeout=5).text.lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {
            row["svname"]: row["status"].split()[0]
            for row in rows
            if row["pxname"] == "oci_servers" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def wait_until(self, states: dict[str, str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = self.server_states()
            if all(seen.get(name) == state for name, state in states.items()):
                return
            time.sleep(0.2)
        raise AssertionError(f"haproxy never saw {states}; it sees {self.server_states()}")


@contextlib.contextmanager
def ha_oci(database: Database, workdir: Path, count: int = 2) -> Iterator[HaOci]:
    """``count`` servers on ``database`` sharing one data directory (the secret key,
    the PKI), behind haproxy; all up and seen UP by haproxy."""
    data = workdir / "data"
    data.mkdir()
    (workdir / "absent.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env |= {
        "OCI_DATABASE_URL": database.url,
        "OCI_DATA_DIR": str(data),
        "OCI_CONFIG": str(workdir / "absent.toml"),
        "OCI_TRUSTED_NETWORKS": f"{CLIENTS}/32",
        "OCI_TRUSTED_PROXIES": PROXY_SOURCE,
    }
    instances = [
        Instance(f"oci{n}", free_port(), env, workdir / f"oci{n}.log") for n in range(1, count + 1)
    ]
    port, stats_port = free_port(), free_port()
    config = workdir / "haproxy.cfg"
    config.write_text(
        HAPROXY_CFG.render(port=port, stats_port=stats_port, servers=instances, source=PROXY_SOURCE)
    )
    ha = HaOci(
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{stats_port}/stats",
        instances,
        workdir / "haproxy.log",
        config,
    )
    try:
        # The first server makes the secret key; the others read it.
        for instance in instances:
            instance.start()
        with open(ha.haproxy_log, "wb") as out:
            haproxy = subprocess.Popen(
                ["haproxy", "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
            )
        ha.processes.append(haproxy)
        wait_for_http(ha.stats_url, haproxy, ha.haproxy_log)
        ha.wait_until({instance.name: "UP" for instance in instances})
        yield ha
    finally:
        for process in ha.processes:
            process.terminate()
            process.wait(timeout=20)
        for instance in instances:
            instance.stop()
