"""A cluster: one OpenStack deployment with its domain and options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oci.db import Base
from oci.models.mixins import Timestamps
from oci.models.types import JSONText

if TYPE_CHECKING:
    from oci.models.machine import Machine
    from oci.models.network import Network
    from oci.models.role import Role

__all__ = ["Cluster", "ClusterSecret", "RoleCounter"]


class Cluster(Timestamps, Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    domain: Mapped[str] = mapped_column(String(253))
    options: Mapped[dict[str, Any]] = mapped_column(JSONText(), default=dict)
    # Bumped by every write that can change a document of the cluster
    # (oci.models.changes): the ENC's caches are keyed by it.
    enc_serial: Mapped[int] = mapped_column(default=0, server_default="0")

    machines: Mapped[list[Machine]] = relationship(back_populates="cluster")
    networks: Mapped[list[Network]] = relationship(back_populates="cluster")
    secrets: Mapped[list[ClusterSecret]] = relationship(
        back_populates="cluster", cascade="all, delete-orphan", passive_deletes=True
    )


class ClusterSecret(Base):
    """One generated secret of a cluster, encrypted with the server's key (oci.security.vault)."""

    __tablename__ = "cluster_secrets"
    __table_args__ = (UniqueConstraint("cluster_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    # A Fernet token: never the clear value.
    ciphertext: Mapped[str] = mapped_column(Text())

    cluster: Mapped[Cluster] = relationship(back_populates="secrets")


class RoleCounter(Base):
    """The next N of CLUSTER-ROLE-N host names, per cluster and role."""

    __tablename__ = "role_counters"
    __table_args__ = (UniqueConstraint("cluster_id", "role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="RESTRICT"))
    next_number: Mapped[int] = mapped_column(default=1)

    role: Mapped[Role] = relationship()
