"""ocicli behind a proxy whose server dies: answers lost after the work was done.

A test proxy in front of the live server forwards every request, but answers
the first write of each kind with haproxy's 502 page after the server did it:
the answer was lost, not the work. ocicli sends machine-add again, notices the
machine was added as asked, and shows it; a write it cannot know is harmless
to repeat is not sent again.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session

from tests.helpers import factories
from tests.helpers.cli import clean_env
from tests.helpers.database import Credentials
from tests.helpers.server import BIN, LiveServer

BAD_GATEWAY = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"


class LosingProxy(ThreadingHTTPServer):
    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.lost: list[str] = []  # "METHOD path" whose answer was replaced by a 502
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: LosingProxy

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
        answer = requests.request(
            self.command, self.server.upstream + self.path, data=body, headers=headers, timeout=30
        )
        call = f"{self.command} {self.path}"
        self.server.seen.append(call)
        if self.command != "GET" and call not in self.server.lost:
            self.server.lost.append(call)
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(BAD_GATEWAY)))
            self.end_headers()
            self.wfile.write(BAD_GATEWAY)
            return
        self.send_response(answer.status_code)
        for name in ("Content-Type",):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[LosingProxy]:
    server = LosingProxy(live_server.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def ocicli(
    proxy: LosingProxy, admin: Credentials, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = clean_env(home) | {"OCI_API_URL": proxy.url, "OCI_API_TOKEN": admin.token}
    return subprocess.run(
        [str(BIN / "ocicli"), *args], env=env, capture_output=True, text=True, timeout=60
    )


def make_cluster(live_server: LiveServer, admin: Credentials) -> None:
    def post(path: str, body: dict[str, object]) -> None:
        answer = requests.post(
            f"{live_server.url}/api/v1/{path}", json=body, headers=admin.bearer, timeout=10
        )
        assert answer.ok, answer.text

    post("swift-regions", {"name": "region1"})
    post("locations", {"name": "zone1", "swift_region": "region1"})
    post("clusters", {"name": "cl1", "domain": "example.com"})
    post(
        "networks",
        {"name": "mgmt", "address": "10.1.0.0", "prefix_length": 24, "location": "zone1"},
    )
    post("networks/mgmt/attachment", {"cluster": "cl1", "role": "all", "iface1": "eno1"})


def test_a_machine_add_whose_answer_was_lost_shows_the_machine_added(
    proxy: LosingProxy,
    live_server: LiveServer,
    admin: Credentials,
    session: Session,
    tmp_path: Path,
) -> None:
    make_cluster(live_server, admin)
    factories.machine(session, "S1")
    session.commit()

    added = ocicli(
        proxy, admin, tmp_path, "machine-add", "S1", "cl1", "compute", "zone1", "-f", "json"
    )

    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["hostname"] == "cl1-compute-1.example.com"
    assert "(502 Bad Gateway from" in added.stderr and "asking again" in added.stderr
    # Sent twice, done once: the second was refused (in a cluster already), then shown.
    assert proxy.seen.count("POST /api/v1/machines/S1/enrolment") == 2
    shown = requests.get(
        f"{live_server.url}/api/v1/machines/S1/enrolment", headers=admin.bearer, timeout=10
    ).json()
    assert shown == json.loads(added.stdout) and len(shown["addresses"]) == 1

    # Asked again by the operator, it is still refused: only a lost answer is forgiven.
    again = ocicli(proxy, admin, tmp_path, "machine-add", "S1", "cl1", "compute", "zone1")
    assert again.returncode == 1 and "already cl1-compute-1.example.com" in again.stderr


def test_a_write_whose_answer_was_lost_is_not_sent_again(
    proxy: LosingProxy, live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    created = ocicli(proxy, admin, tmp_path, "swift-region-create", "region1")

    assert created.returncode == 1
    assert "502 Bad Gateway" in created.stderr and "asking again" not in created.stderr
    assert proxy.seen == ["POST /api/v1/swift-regions"]
    # The server did it: the region is there.
    listed = requests.get(
        f"{live_server.url}/api/v1/swift-regions", headers=admin.bearer, timeout=10
    ).json()
    assert [r["name"] for r in listed["items"]] == ["region1"]
