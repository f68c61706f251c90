# Writes: boot_sightings, in a transaction of its own, one attempt.
"""Machines seen PXE-booting before the inventory knows them (the fleet's "booting").

The boot routes are unauthenticated and hit by boot storms, so the record is
bounded and cheap: one row per MAC, refreshed at most once per ``WINDOW``
(a fresh row costs one indexed read and no write), at most ``CAP`` rows
(rows of MACs that became known go first, then the oldest). A write that
fails is logged and dropped: the boot script never waits on it, and the
machine's next request after the window tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from oci import transactions
from oci.models import BootSighting, Nic

__all__ = ["CAP", "WINDOW", "Sighting", "is_fresh", "prune", "record"]

log = logging.getLogger(__name__)

WINDOW = timedelta(seconds=30)
CAP = 10_000


@dataclass(frozen=True)
class Sighting:
    mac: str  # canonical: aa:bb:cc:dd:ee:ff
    buildarch: str | None
    platform: str | None
    served: str  # "ipxe live", "grub.cfg local"
    at: datetime


def is_fresh(session: Session, mac: str, now: datetime) -> bool:
    """Whether ``mac`` was recorded less than a window ago (then nothing to write)."""
    last = session.scalar(select(BootSighting.last_seen).where(BootSighting.mac == mac))
    return last is not None and now - last < WINDOW


def _delete(session: Session, statement: Delete) -> int:
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def prune(session: Session, cap: int = CAP) -> int:
    """Keep at most ``cap`` rows: drop those of known MACs first, then the oldest."""
    total = session.scalar(select(func.count()).select_from(BootSighting)) or 0
    if total <= cap:
        return 0
    dropped = _delete(session, delete(BootSighting).where(BootSighting.mac.in_(select(Nic.mac))))
    if total - dropped <= cap:
        return dropped
    # The newest row that stays; everything older goes (ties broken by id).
    edge = session.execute(
        select(BootSighting.last_seen, BootSighting.id)
        .order_by(BootSighting.last_seen.desc(), BootSighting.id.desc())
        .offset(cap - 1)
        .limit(1)
    ).one()
    older = or_(
        BootSighting.last_seen < edge[0],
        and_(BootSighting.last_seen == edge[0], BootSighting.id < edge[1]),
    )
    return dropped + _delete(session, delete(BootSighting).where(older))


def _write(session: Session, seen: Sighting, cap: int) -> None:
    row = session.scalar(select(BootSighting).where(BootSighting.mac == seen.mac))
    if row is None:
        session.add(
            BootSighting(
                mac=seen.mac,
                first_seen=seen.at,
                last_seen=seen.at,
                buildarch=seen.buildarch,
                platform=seen.platform,
                served=seen.served,
                requests=1,
            )
        )
        session.flush()
        prune(session, cap)
    elif seen.at - row.last_seen >= WINDOW:  # another worker may have just written it
        row.last_seen = seen.at
        row.buildarch, row.platform, row.served = seen.buildarch, seen.platform, seen.served
        row.requests += 1


def record(factory: sessionmaker[Session], seen: Sighting, cap: int = CAP) -> bool:
    """Insert or refresh ``seen``'s row; False (logged) when the write failed.

    One attempt: a unique-constraint race means another worker recorded the
    same MAC a moment ago, which is all that was wanted."""
    with factory() as session:
        try:
            transactions.begin(session)
            _write(session, seen, cap)
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            level = logging.INFO if isinstance(exc, IntegrityError) else logging.WARNING
            log.log(level, "boot sighting of %s not recorded: %s", seen.mac, exc)
            return False
    return True
