"""POST /api/v1/discovery/reports at its edges: the exact size limit, data
after the gzip stream, and identity strings that would mislead the terminal."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oci.ingest.checks import Bounds
from oci.ingest.report import parse_report
from oci.models import DiscoveryReport, Machine, MachineEvent, MemoryModule, Nic
from tests.helpers.api import Api
from tests.helpers.reports import archive, lldpctl_json, lsblk, machine_files

URL = "/api/v1/discovery/reports"
GZIP = {"Content-Type": "application/gzip"}
MAC = "00:1b:21:aa:00:02"


def _counts(session: Session) -> tuple[int, ...]:
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Machine, Nic, DiscoveryReport, MachineEvent)
    )


def test_a_body_of_exactly_the_limit_is_read_one_byte_more_is_413(client: FlaskClient) -> None:
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    at_limit = client.post(URL, data=b"x" * limit, headers=GZIP)
    # Read and judged as a report (not gzip), not refused for its size.
    assert at_limit.status_code == 400, at_limit.get_json()
    assert "not gzip data" in at_limit.get_json()["error"]["message"]
    over = client.post(URL, data=b"x" * (limit + 1), headers=GZIP)
    assert over.status_code == 413
    assert f"larger than the {limit} bytes" in over.get_json()["error"]["message"]


def test_data_after_the_gzip_stream_is_refused(client: FlaskClient, session: Session) -> None:
    body = archive(machine_files("TRAIL1", macs=(MAC,))) + b"#!/bin/sh\nreboot\n"
    response = client.post(URL, data=body, headers=GZIP)
    assert response.status_code == 400, response.get_json()
    assert "after the end of the gzip stream" in response.get_json()["error"]["message"]
    assert _counts(session) == (0, 0, 0, 0)


def _with_product(name: str) -> dict[str, str]:
    files = machine_files("PLAIN1", macs=(MAC,))
    files["dmidecode.txt"] = files["dmidecode.txt"].replace(
        "Product Name: PowerEdge R740", f"Product Name: {name}", 1
    )
    return files


MISLEADING = {
    # A right-to-left override shows "1LAIRES" as "SERIAL1" reversed in a terminal.
    "serial": (machine_files("EVIL\u202e1LAIRES", macs=(MAC,)), "system serial", "U+202E"),
    "product": (_with_product("PowerEdge R740\u0007"), "system product name", "U+0007"),
    "switch": (
        machine_files(
            "SWITCH1",
            macs=(MAC,),
            extra={"lldpctl.json": lldpctl_json([("eno1", "tor-1\u2066a", "swp1")])},
        ),
        "LLDP neighbour of eno1: switch name",
        "U+2066",
    ),
}


@pytest.mark.parametrize("case", sorted(MISLEADING))
def test_control_and_format_characters_in_names_are_refused(
    client: FlaskClient, session: Session, case: str
) -> None:
    files, field, code = MISLEADING[case]
    response = client.post(URL, data=archive(files), headers=GZIP)
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["error"]["message"]
    assert field in message and code in message
    assert _counts(session) == (0, 0, 0, 0)


def test_plain_lspci_output_reaches_the_inventory(client: FlaskClient, api: Api) -> None:
    plain = (
        "01:00.0 Non-Volatile memory controller: Micron Technology Inc 7450 PRO NVMe SSD (rev 01)\n"
        "41:00.0 Infiniband controller: Mellanox Technologies MT28908 Family [ConnectX-6]\n"
        "41:00.1 Infiniband controller: Mellanox Technologies MT28908 Family [ConnectX-6]\n"
    )
    files = machine_files("LSPCI1", macs=(MAC,), extra={"lspci.txt": plain})
    response = client.post(URL, data=archive(files), headers=GZIP)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["problems"] == []
    devices = api.get("/api/v1/machines/LSPCI1").get_json()["pci_devices"]
    assert [(d["address"], d["class_name"]) for d in devices] == [
        ("0000:01:00.0", "Non-Volatile memory controller"),
        ("0000:41:00.0", "Infiniband controller"),
        ("0000:41:00.1", "Infiniband controller"),
    ]


def _dimms(count: int) -> str:
    return "".join(
        f"Handle 0x{0x1100 + n:04X}, DMI type 17, 84 bytes\nMemory Device\n"
        f"\tSize: 16 GB\n\tLocator: SLOT{n}\n\n"
        for n in range(count)
    )


def test_a_report_listing_more_than_the_bounds_is_refused(
    client: FlaskClient, session: Session
) -> None:
    limit = Bounds().dimms
    files = machine_files("FLOOD1", macs=(MAC,))
    base = files["dmidecode.txt"]
    files["dmidecode.txt"] = base + _dimms(limit + 1)
    response = client.post(URL, data=archive(files), headers=GZIP)
    assert response.status_code == 422, response.get_json()
    assert f"at most {limit} are accepted" in response.get_json()["error"]["message"]
    assert _counts(session) == (0, 0, 0, 0)
    # At the bound (the R740's own modules included), the report is taken.
    installed = len(parse_report({"dmidecode.txt": base}).dimms)
    files["dmidecode.txt"] = base + _dimms(limit - installed)
    response = client.post(URL, data=archive(files), headers=GZIP)
    assert response.status_code == 201, response.get_json()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(MemoryModule)) == limit


HUGE = {
    # Past 64 bits in bytes: SQLite's OverflowError, out of range on the others.
    "disk": (lsblk(("sda", 10**20, "S4EVNX0N1")), "disk sda size bytes is 100000000000000000000"),
    # A 32-bit column: a DIMM's speed from a made-up dmidecode.
    "dimm speed": (None, "speed mts is 4294967296"),
}


@pytest.mark.parametrize("case", sorted(HUGE))
def test_numbers_beyond_their_columns_are_refused_and_nothing_stored(
    client: FlaskClient, session: Session, case: str
) -> None:
    files = machine_files("HUGE1", macs=(MAC,))
    text, words = HUGE[case]
    if text is not None:
        files["lsblk.json"] = text
    else:
        files["dmidecode.txt"] = re.sub(
            r"(\tSpeed: )\d+ MT/s", r"\g<1>4294967296 MT/s", files["dmidecode.txt"], count=1
        )
    response = client.post(URL, data=archive(files), headers=GZIP)
    assert response.status_code == 422, response.get_json()
    assert words in response.get_json()["error"]["message"]
    assert _counts(session) == (0, 0, 0, 0)
