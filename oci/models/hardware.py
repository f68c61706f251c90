"""What a machine is made of, as discovered: one row per component."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oci.db import Base
from oci.models.mixins import MachineComponent
from oci.models.types import MacAddress

if TYPE_CHECKING:
    from oci.models.machine import Machine

__all__ = [
    "DISK_KINDS",
    "Bmc",
    "Disk",
    "LldpNeighbour",
    "MemoryModule",
    "Nic",
    "PciDevice",
    "RaidDrive",
    "StorageController",
]

DISK_KINDS = ("hdd", "ssd", "nvme", "other")


class Disk(MachineComponent, Base):
    __tablename__ = "disks"
    __table_args__ = (UniqueConstraint("machine_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))  # kernel name: sda, nvme0n1
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))  # one of DISK_KINDS
    rotational: Mapped[bool | None]
    model: Mapped[str | None] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(128))
    wwn: Mapped[str | None] = mapped_column(String(64))
    transport: Mapped[str | None] = mapped_column(String(16))  # sata, sas, nvme, usb

    machine: Mapped[Machine] = relationship(back_populates="disks")


class Nic(MachineComponent, Base):
    __tablename__ = "nics"
    __table_args__ = (UniqueConstraint("machine_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(MacAddress(), index=True)
    # A network card (PCI, plain device), not a bond, bridge, VLAN or BMC USB NIC.
    physical: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The MAC again, only when it can identify a machine (universally
    # administered, physical NIC); NULL for virtual and BMC USB NICs, whose
    # fixed MACs repeat across servers. Unique: one physical NIC, one machine.
    identity_mac: Mapped[str | None] = mapped_column(MacAddress(), unique=True)
    speed_mbps: Mapped[int | None]
    driver: Mapped[str | None] = mapped_column(String(64))
    firmware_version: Mapped[str | None] = mapped_column(String(128))
    pci_address: Mapped[str | None] = mapped_column(String(32))
    vendor_id: Mapped[str | None] = mapped_column(String(4))
    device_id: Mapped[str | None] = mapped_column(String(4))
    product_name: Mapped[str | None] = mapped_column(String(255))
    link_up: Mapped[bool | None]  # carrier present: LLDP is expected on it

    machine: Mapped[Machine] = relationship(back_populates="nics")


class PciDevice(MachineComponent, Base):
    __tablename__ = "pci_devices"
    __table_args__ = (UniqueConstraint("machine_id", "address"),)

    address: Mapped[str] = mapped_column(String(32))  # 0000:3b:00.0
    class_id: Mapped[str | None] = mapped_column(String(6))  # 0302 (3D controller)
    class_name: Mapped[str | None] = mapped_column(String(128))
    vendor_id: Mapped[str] = mapped_column(String(4))
    device_id: Mapped[str] = mapped_column(String(4))
    vendor_name: Mapped[str | None] = mapped_column(String(255))
    device_name: Mapped[str | None] = mapped_column(String(255))
    subsystem_vendor_id: Mapped[str | None] = mapped_column(String(4))
    subsystem_device_id: Mapped[str | None] = mapped_column(String(4))
    driver: Mapped[str | None] = mapped_column(String(64))

    machine: Mapped[Machine] = relationship(back_populates="pci_devices")


class MemoryModule(MachineComponent, Base):
    __tablename__ = "memory_modules"
    __table_args__ = (UniqueConstraint("machine_id", "locator"),)

    locator: Mapped[str] = mapped_column(String(64))  # DIMM slot: "A1", "DIMM_P0_A0"
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    memory_type: Mapped[str | None] = mapped_column(String(32))  # DDR4, DDR5
    speed_mts: Mapped[int | None]
    manufacturer: Mapped[str | None] = mapped_column(String(128))
    part_number: Mapped[str | None] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(128))

    machine: Mapped[Machine] = relationship(back_populates="memory_modules")


class LldpNeighbour(MachineComponent, Base):
    """The switch port seen on one NIC: one neighbour per NIC."""

    __tablename__ = "lldp_neighbours"
    __table_args__ = (UniqueConstraint("machine_id", "interface"),)

    interface: Mapped[str] = mapped_column(String(64))
    switch_name: Mapped[str | None] = mapped_column(String(255), index=True)
    chassis_id: Mapped[str | None] = mapped_column(String(255))
    port_id: Mapped[str | None] = mapped_column(String(255))
    port_description: Mapped[str | None] = mapped_column(String(255))
    vlan: Mapped[int | None]

    machine: Mapped[Machine] = relationship(back_populates="lldp_neighbours")


class StorageController(MachineComponent, Base):
    """A disk controller: OCI's blkdev_ctrl. Whether it is a MegaRAID decides
    the RAID tool and OCI's profile matching (hdd.controller megacli)."""

    __tablename__ = "storage_controllers"
    __table_args__ = (UniqueConstraint("machine_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))  # PCI address, else ctrl<N>
    kind: Mapped[str] = mapped_column(String(16))  # oci.ingest.facts.CONTROLLER_KINDS
    vendor: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(255))
    firmware_version: Mapped[str | None] = mapped_column(String(64))
    driver: Mapped[str | None] = mapped_column(String(64))

    machine: Mapped[Machine] = relationship(back_populates="storage_controllers")


class RaidDrive(MachineComponent, Base):
    """A physical drive behind a RAID controller: OCI's physblockdevices."""

    __tablename__ = "raid_drives"
    __table_args__ = (UniqueConstraint("machine_id", "position"),)

    position: Mapped[str] = mapped_column(String(64))  # enclosure:slot, or slot
    slot: Mapped[str] = mapped_column(String(32))
    enclosure: Mapped[str | None] = mapped_column(String(32))
    controller: Mapped[str | None] = mapped_column(String(64))  # StorageController.name
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(128))

    machine: Mapped[Machine] = relationship(back_populates="raid_drives")


class Bmc(Base):
    """The machine's baseboard management controller, as discovered."""

    __tablename__ = "bmcs"

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), unique=True
    )
    ip_address: Mapped[str | None] = mapped_column(String(45))
    mac: Mapped[str | None] = mapped_column(MacAddress())
    firmware_version: Mapped[str | None] = mapped_column(String(64))
    manufacturer: Mapped[str | None] = mapped_column(String(128))

    # How oci reaches it (machine-set-ipmi), apart from what discovery saw: the
    # address may be a static one on an ipmi network. The password is a Fernet
    # token (oci.security.vault): never stored, printed or logged in clear.
    ipmi_address: Mapped[str | None] = mapped_column(String(253))
    ipmi_port: Mapped[int | None]
    ipmi_username: Mapped[str | None] = mapped_column(String(64))
    ipmi_password: Mapped[str | None] = mapped_column(Text)

    machine: Mapped[Machine] = relationship(back_populates="bmc")
