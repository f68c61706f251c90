"""Hardware profiles and switch rules imported through the API (files are read, not stored)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oci.db import Base
from oci.models.mixins import Timestamps
from oci.models.types import JSONText

__all__ = ["HardwareProfile", "SwitchRule"]


class HardwareProfile(Timestamps, Base):
    """One profile as validated by oci.matching.profiles.Profile, kept in its JSON form."""

    __tablename__ = "hardware_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int]
    source: Mapped[str] = mapped_column(String(255))  # the file it was imported from
    definition: Mapped[dict[str, Any]] = mapped_column(JSONText())


class SwitchRule(Base):
    """A switch-name pattern (in order) or a switch table entry (by host name)."""

    __tablename__ = "switch_rules"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # pattern | switch | product (U height)
    key: Mapped[str] = mapped_column(String(255))  # the regex, or the switch host name
    position: Mapped[int]  # patterns are tried in this order
    definition: Mapped[dict[str, Any]] = mapped_column(JSONText())
