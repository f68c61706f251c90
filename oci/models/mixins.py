"""Columns and shapes shared by several models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from oci.models.types import UTCDateTime, utcnow


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class MachineComponent:
    """A part of one machine: deleted with it, named uniquely within it."""

    id: Mapped[int] = mapped_column(primary_key=True)

    @declared_attr
    def machine_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("machines.id", ondelete="CASCADE"), index=True)
