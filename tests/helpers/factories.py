"""Rows for tests, inserted directly (discovery will create them in production)."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from oci.models import Disk, LldpNeighbour, Machine, Nic, PciDevice


def machine(session: Session, serial: str, **fields: Any) -> Machine:
    values: dict[str, Any] = {
        "serial": serial,
        "system_uuid": None,
        "manufacturer": "Dell Inc.",
        "product_name": "PowerEdge R650",
        "architecture": "x86_64",
        "cpu_model": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
        "cpu_threads": 128,
        "memory_bytes": 512 * 2**30,
        "last_seen": datetime(2026, 11, 1, tzinfo=UTC),
    }
    values.update(fields)
    row = Machine(**values)
    row.disks = [
        Disk(name="sda", size_bytes=480_103_981_056, kind="ssd", rotational=False),
        Disk(name="sdb", size_bytes=480_103_981_056, kind="ssd", rotational=False),
        Disk(name="nvme0n1", size_bytes=3_840_755_982_336, kind="nvme", transport="nvme"),
    ]
    suffix = ":".join(f"{b:02x}" for b in zlib.crc32(serial.encode()).to_bytes(4)[1:])
    row.nics = [
        Nic(
            name="eno1",
            mac=f"00:1B:21:{suffix.upper()}",  # stored lower-case by the column type
            identity_mac=f"00:1b:21:{suffix}",
            physical=True,
            speed_mbps=25000,
            vendor_id="15b3",
            device_id="101b",
            product_name="ConnectX-6",
        ),
        Nic(name="idrac", mac="02:00:00:00:00:01", identity_mac=None),
    ]
    row.pci_devices = [
        PciDevice(
            address="0000:3b:00.0",
            class_id="0302",
            vendor_id="10de",
            device_id="1eb8",
            vendor_name="NVIDIA Corporation",
            device_name="TU104GL [Tesla T4]",
        ),
    ]
    row.lldp_neighbours = [
        LldpNeighbour(interface="eno1", switch_name="dc1-r2-rack5-sw1", port_id="swp12"),
    ]
    session.add(row)
    session.flush()
    return row
