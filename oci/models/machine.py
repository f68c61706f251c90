"""A machine: one physical server, whatever NIC it boots from."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oci.db import Base
from oci.models.mixins import Timestamps
from oci.models.status import MachineStatus
from oci.models.types import JSONText, UTCDateTime

if TYPE_CHECKING:
    from oci.models.cluster import Cluster
    from oci.models.discovery import DiscoveryReport, MachineEvent, SshHostKey
    from oci.models.hardware import (
        Bmc,
        Disk,
        LldpNeighbour,
        MemoryModule,
        Nic,
        PciDevice,
        RaidDrive,
        StorageController,
    )
    from oci.models.location import Location
    from oci.models.network import IpAddress
    from oci.models.role import Role

__all__ = ["Machine"]


class Machine(Timestamps, Base):
    __tablename__ = "machines"
    # The ENC asks "does this cluster have a machine of this role?" and lists the
    # few machines of some roles: both answered from this index, whatever the size.
    __table_args__ = (Index("ix_machines_cluster_id_role_id", "cluster_id", "role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identity. Placeholder serials/UUIDs ("To Be Filled By O.E.M.") are stored
    # as NULL so that they can never make two servers look like one.
    serial: Mapped[str | None] = mapped_column(String(128), unique=True)
    system_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)

    manufacturer: Mapped[str | None] = mapped_column(String(128))
    product_name: Mapped[str | None] = mapped_column(String(128), index=True)
    sku: Mapped[str | None] = mapped_column(String(128))
    bios_version: Mapped[str | None] = mapped_column(String(64))
    bios_date: Mapped[str | None] = mapped_column(String(32))
    architecture: Mapped[str | None] = mapped_column(String(16))
    # UEFI Secure Boot was enforced in the live system; None: not known.
    secure_boot: Mapped[bool | None]

    cpu_model: Mapped[str | None] = mapped_column(String(128))
    cpu_vendor: Mapped[str | None] = mapped_column(String(64))
    cpu_sockets: Mapped[int | None]
    cpu_cores: Mapped[int | None]
    cpu_threads: Mapped[int | None]
    cpu_mhz: Mapped[int | None]
    memory_bytes: Mapped[int | None] = mapped_column(BigInteger)

    status: Mapped[MachineStatus] = mapped_column(
        Enum(
            MachineStatus,
            native_enum=False,
            create_constraint=True,
            length=32,
            name="machine_status",
            values_callable=lambda enum: [member.value for member in enum],
        ),
        default=MachineStatus.LIVE,
        index=True,
    )

    # Enrolment: set by machine-add, cleared by machine-remove.
    hostname: Mapped[str | None] = mapped_column(String(253), unique=True)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="RESTRICT"), index=True
    )
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="RESTRICT"))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    is_first_master: Mapped[bool] = mapped_column(default=False)

    # Physical place, from LLDP or set by hand.
    datacenter: Mapped[str | None] = mapped_column(String(64))
    row: Mapped[str | None] = mapped_column(String(64))
    rack: Mapped[str | None] = mapped_column(String(64))
    u_position: Mapped[int | None]
    compute_aggregate: Mapped[str | None] = mapped_column(String(128))
    # The hardware profile whose settings were applied (hands-free enrolment):
    # max counts are counted over it.
    hardware_profile: Mapped[str | None] = mapped_column(String(64), index=True)

    # machine-set options (RAID, serial console, CPU model, GPUs, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSONText(), default=dict)

    # Set when a report matched this machine and another one at once (serial
    # says one machine, a MAC another): the operator must decide, nothing merged.
    identity_conflict: Mapped[str | None] = mapped_column(String(1024))
    # sha256 of the facts last applied: an unchanged re-report only bumps last_seen.
    facts_digest: Mapped[str | None] = mapped_column(String(64))
    discovery_count: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # While machine-ipmi-setup runs on this machine: when that run ends at the
    # latest. A second run is refused until then (two would fight over the BMC).
    bmc_setup_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The ENC document of its last successful Puppet run, encrypted (it holds secrets):
    # what `ocicli enc-show --diff` compares today's document with.
    enc_applied: Mapped[str | None] = mapped_column(Text())

    cluster: Mapped[Cluster | None] = relationship(back_populates="machines")
    role: Mapped[Role | None] = relationship()
    location: Mapped[Location | None] = relationship()

    disks: Mapped[list[Disk]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="Disk.name"
    )
    nics: Mapped[list[Nic]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="Nic.name"
    )
    pci_devices: Mapped[list[PciDevice]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="PciDevice.address"
    )
    memory_modules: Mapped[list[MemoryModule]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="MemoryModule.locator"
    )
    lldp_neighbours: Mapped[list[LldpNeighbour]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="LldpNeighbour.interface"
    )
    storage_controllers: Mapped[list[StorageController]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="StorageController.name"
    )
    raid_drives: Mapped[list[RaidDrive]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="RaidDrive.position"
    )
    bmc: Mapped[Bmc | None] = relationship(back_populates="machine", cascade="all, delete-orphan")
    ip_addresses: Mapped[list[IpAddress]] = relationship(back_populates="machine")
    ssh_host_keys: Mapped[list[SshHostKey]] = relationship(
        back_populates="machine", cascade="all, delete-orphan", order_by="SshHostKey.key_type"
    )
    # Never loaded through the machine (they can be large): queried directly.
    reports: Mapped[list[DiscoveryReport]] = relationship(
        back_populates="machine",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DiscoveryReport.id",
    )
    events: Mapped[list[MachineEvent]] = relationship(
        back_populates="machine",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MachineEvent.id",
    )

    def __repr__(self) -> str:
        return f"<Machine {self.serial or self.id} {self.status}>"
