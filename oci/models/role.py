"""Roles a machine can take in a cluster (a catalogue, seeded by migration)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from oci.db import Base

__all__ = ["BUILTIN_ROLES", "Role"]

BUILTIN_ROLES: dict[str, str] = {
    "controller": "OpenStack APIs, HA control plane (haproxy, corosync VIP, Galera, RabbitMQ)",
    "compute": "Nova compute hypervisor",
    "network": "Neutron network node (SNAT, routing, DHCP agents)",
    "volume": "Cinder LVM volume node",
    "sql": "Dedicated MariaDB Galera node",
    "messaging": "Telemetry: Gnocchi, CloudKitty, notification RabbitMQ and database",
    "cephmon": "Ceph monitor",
    "cephosd": "Ceph object storage daemons",
    "swiftproxy": "Swift proxy",
    "swiftstore": "Swift storage node",
    "dns": "Designate DNS",
    "debmirror": "Debian mirror for the cluster",
    "custom": "Operator-defined role",
}


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")
