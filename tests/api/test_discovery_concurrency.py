"""Reports racing each other through several server processes still make one
machine per server, on every database backend."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from oci.models import DiscoveryReport, Machine, MachineEvent, Nic
from tests.helpers.reports import archive, machine_files
from tests.helpers.server import LiveServer

GZIP = {"Content-Type": "application/gzip"}


def _post_all(url: str, bodies: list[bytes]) -> list[int]:
    start = threading.Barrier(len(bodies))

    def send(body: bytes) -> int:
        start.wait()
        return requests.post(url, data=body, headers=GZIP, timeout=60).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_one_server_through_two_nics_twice_in_parallel_is_one_machine(
    live_server: LiveServer,
) -> None:
    macs = ("00:1b:21:20:00:01", "00:1b:21:20:00:02")
    bodies = []
    for boot in macs:
        files = machine_files("RACE1", macs=macs)
        files["agent.txt"] = f"version=1\nboot_mac={boot}\n"
        bodies += [archive(files)] * 2
    url = live_server.url + "/api/v1/discovery/reports"
    statuses = _post_all(url, bodies)
    assert sorted(statuses) == [200, 200, 200, 201]  # one created it, three found it
    with live_server.database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Machine)) == 1
        assert session.scalar(select(Machine.discovery_count)) == 4
        assert session.scalar(select(func.count()).select_from(Nic)) == 2
        discovered = select(func.count()).where(MachineEvent.kind == "discovered")
        assert session.scalar(discovered) == 1


def test_many_new_servers_at_once_each_appear_once(live_server: LiveServer) -> None:
    """Eight servers, each reporting twice at the same moment (a rack powered on)."""
    bodies = []
    for n in range(8):
        macs = (f"00:1b:21:21:00:{n:02x}",)
        uuid = f"4c4c4544-0000-1000-8000-0000000021{n:02x}"
        bodies += [archive(machine_files(f"RACK-{n}", uuid, macs))] * 2
    statuses = _post_all(live_server.url + "/api/v1/discovery/reports", bodies)
    assert statuses.count(201) == 8 and statuses.count(200) == 8
    with live_server.database.sessions() as session:
        serials = session.scalars(select(Machine.serial).order_by(Machine.serial))
        assert list(serials) == [f"RACK-{n}" for n in range(8)]
        assert session.scalar(select(func.count()).select_from(DiscoveryReport)) == 8
