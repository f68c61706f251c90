"""What discovery keeps besides the facts: raw reports, host keys and the change log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oci.db import Base
from oci.models.mixins import MachineComponent
from oci.models.types import JSONText, UTCDateTime, utcnow

if TYPE_CHECKING:
    from oci.models.machine import Machine

__all__ = ["REPORT_FORMATS", "DiscoveryReport", "MachineEvent", "SshHostKey"]

REPORT_FORMATS = ("tar", "oci-json")

# MariaDB's BLOB stops at 64 KiB; a report may be larger.
ArchiveBytes = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


class DiscoveryReport(Base):
    """One upload from the agent, kept raw so that a parser fix can re-read it."""

    __tablename__ = "discovery_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str | None] = mapped_column(String(45))  # the sender's IP address
    # The user whose credentials came with it; None: sent without any, from a
    # trusted network (then `source` says which machine).
    sender: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    archive: Mapped[bytes] = mapped_column(ArchiveBytes)  # the body, as uploaded
    # What `archive` holds, so that reparse reads it with the right parser:
    # "tar" (our agent's gzip tar) or "oci-json" (OCI's agent, POST /oci/report.php).
    format: Mapped[str] = mapped_column(String(16), default="tar", server_default="tar")
    # What the parsers could not read in it, when it was received.
    problems: Mapped[list[str]] = mapped_column(JSONText(), default=list)

    machine: Mapped[Machine] = relationship(back_populates="reports")


class SshHostKey(MachineComponent, Base):
    """A public host key of the machine's live system, pinned for later SSH."""

    __tablename__ = "ssh_host_keys"
    __table_args__ = (UniqueConstraint("machine_id", "key_type"),)

    key_type: Mapped[str] = mapped_column(String(64))  # ssh-ed25519
    public_key: Mapped[str] = mapped_column(Text)  # the whole "type base64 comment" line

    machine: Mapped[Machine] = relationship(back_populates="ssh_host_keys")


class MachineEvent(Base):
    """Something the operator should know happened to a machine: a disk
    replaced, a GPU added, an identity conflict."""

    __tablename__ = "machine_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # disk-added, identity-conflict
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONText(), default=dict)

    machine: Mapped[Machine] = relationship(back_populates="events")
