"""Swift regions and the locations (availability zones) inside them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oci.db import Base
from oci.models.mixins import Timestamps

__all__ = ["Location", "SwiftRegion"]


class SwiftRegion(Timestamps, Base):
    __tablename__ = "swift_regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)

    locations: Mapped[list[Location]] = relationship(back_populates="swift_region")


class Location(Timestamps, Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    swift_region_id: Mapped[int] = mapped_column(
        ForeignKey("swift_regions.id", ondelete="RESTRICT"), index=True
    )

    swift_region: Mapped[SwiftRegion] = relationship(back_populates="locations")
