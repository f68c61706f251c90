"""Boot sightings: an unknown machine's boot request is recorded once per MAC and
window, capped in rows, never for a known machine, and never at the cost of its
boot script (oci.inventory.sightings, through /boot)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from oci.inventory import sightings
from oci.models import BootSighting, Nic
from tests.helpers import factories

MAC = "52:54:00:aa:00:01"


@pytest.fixture
def writes(app: Flask) -> Iterator[list[str]]:
    """Every statement the app sends that writes boot_sightings."""
    engine: Engine = app.extensions["oci_engine"]
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        words = statement.lstrip().upper()
        if "BOOT_SIGHTINGS" in words and words.startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def boot(client: FlaskClient, route: str = "ipxe", **params: str) -> str:
    answer = client.get(f"/boot/{route}", query_string=params)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data(as_text=True)


def rows(session: Session) -> list[BootSighting]:
    session.rollback()  # a fresh snapshot, fresh objects: the app wrote in its own sessions
    session.expire_all()
    return list(session.scalars(select(BootSighting).order_by(BootSighting.id)))


def test_an_unknown_mac_is_recorded_once_a_window(
    client: FlaskClient, session: Session, writes: list[str]
) -> None:
    params = {"mac": MAC.upper().replace(":", "-"), "buildarch": "x86_64", "platform": "efi"}
    assert "(unknown machine)" in boot(client, **params)
    (row,) = rows(session)
    assert (row.mac, row.buildarch, row.platform, row.served, row.requests) == (
        MAC,
        "x86_64",
        "efi",
        "ipxe live",
        1,
    )
    assert row.first_seen == row.last_seen and len(writes) == 1
    first = row.last_seen
    # again within the window: nothing written, the script the same
    assert "(unknown machine)" in boot(client, **params)
    assert len(writes) == 1 and rows(session)[0].last_seen == first
    # once the window is over, the same row is refreshed
    session.execute(
        update(BootSighting).values(last_seen=first - sightings.WINDOW - timedelta(seconds=1))
    )
    session.commit()
    boot(client, "grub.cfg", mac=MAC, platform="efi")
    (row,) = rows(session)
    assert (row.served, row.requests, row.first_seen) == ("grub.cfg live", 2, first)
    assert row.last_seen > first and len(writes) == 2


def test_a_known_machine_and_hostile_macs_write_nothing(
    client: FlaskClient, session: Session, writes: list[str]
) -> None:
    factories.machine(session, "S1")
    session.commit()
    known = session.scalar(select(Nic.mac).where(Nic.name == "eno1"))
    assert known
    assert "state live" in boot(client, mac=known)
    for hostile in ("52:54:00:aa:00:01;reboot", "../../etc/passwd", "5" * 300, "52:54:00:aa:00"):
        answer = client.get("/boot/ipxe", query_string={"mac": hostile})
        assert answer.status_code == 400, hostile
    boot(client, serial="S9")  # no MAC: nothing to name the row by
    assert writes == [] and rows(session) == []


def test_the_cap_drops_known_macs_first_then_the_oldest(app: Flask, session: Session) -> None:
    factories.machine(session, "S1")
    session.commit()
    known = session.scalar(select(Nic.mac).where(Nic.name == "eno1"))
    assert known
    factory = app.extensions["oci_sessionmaker"]
    start = datetime(2026, 12, 1, tzinfo=UTC)
    macs = [known, *(f"52:54:00:bb:00:{n:02x}" for n in range(1, 6))]
    for n, mac in enumerate(macs):
        seen = sightings.Sighting(
            mac, "x86_64", "pcbios", "ipxe live", start + timedelta(minutes=n)
        )
        assert sightings.record(factory, seen, cap=3)
    # the known MAC went first, then the oldest unknown ones
    assert [r.mac for r in rows(session)] == macs[3:]


def test_a_failed_write_is_logged_and_the_script_served(
    client: FlaskClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=sightings.__name__)
    boot(client, mac=MAC)
    # As if another worker had inserted the same MAC in between: a unique violation.
    monkeypatch.setattr(sightings, "is_fresh", lambda *_args: False)

    def duplicate(s: Session, seen: sightings.Sighting, cap: int) -> None:
        s.add(BootSighting(mac=seen.mac, first_seen=seen.at, last_seen=seen.at, served="x"))
        s.flush()

    monkeypatch.setattr(sightings, "_write", duplicate)
    assert "(unknown machine)" in boot(client, mac=MAC)
    assert "not recorded" in caplog.text
    assert len(rows(session)) == 1
