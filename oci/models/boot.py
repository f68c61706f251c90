"""Machines seen asking for a boot script before the inventory knows them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from oci.db import Base
from oci.models.types import MacAddress, UTCDateTime

__all__ = ["BootSighting"]


class BootSighting(Base):
    """One row per booting MAC, so a boot storm stays bounded: refreshed at most
    once a window and capped in number (oci.inventory.sightings). A row whose
    MAC became a known NIC is hidden by the readers, and pruned first."""

    __tablename__ = "boot_sightings"

    id: Mapped[int] = mapped_column(primary_key=True)
    mac: Mapped[str] = mapped_column(MacAddress(), unique=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    buildarch: Mapped[str | None] = mapped_column(String(16))  # iPXE's ${buildarch}
    platform: Mapped[str | None] = mapped_column(String(16))  # pcbios, efi
    served: Mapped[str] = mapped_column(String(32))  # what it got last: "ipxe live"
    # Requests recorded: at most one a window, so fewer than were made.
    requests: Mapped[int] = mapped_column(Integer, default=1)
