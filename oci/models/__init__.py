"""Every model, imported here so that Base.metadata knows them all.

Typed SQLAlchemy 2.0 models, one file per domain concept. May import oci.db
and each other (relationships make the only import circles of the tree). The
stage packages write rows; nothing here writes by itself.
"""

from oci.models.boot import BootSighting
from oci.models.cluster import Cluster, ClusterSecret, RoleCounter
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
from oci.models.location import Location, SwiftRegion
from oci.models.machine import Machine
from oci.models.network import IpAddress, Network
from oci.models.profile import HardwareProfile, SwitchRule
from oci.models.role import BUILTIN_ROLES, Role
from oci.models.root_key import RootKeyPair
from oci.models.status import MachineStatus
from oci.models.user import ApiToken, User

# Registers the listener that bumps clusters.enc_serial on every relevant write.
import oci.models.changes  # noqa: F401  isort: skip

__all__ = [
    "BUILTIN_ROLES",
    "ApiToken",
    "Bmc",
    "BootSighting",
    "Cluster",
    "ClusterSecret",
    "DiscoveryReport",
    "Disk",
    "HardwareProfile",
    "IpAddress",
    "LldpNeighbour",
    "Location",
    "Machine",
    "MachineEvent",
    "MachineStatus",
    "MemoryModule",
    "Network",
    "Nic",
    "PciDevice",
    "RaidDrive",
    "Role",
    "RoleCounter",
    "RootKeyPair",
    "SshHostKey",
    "StorageController",
    "SwiftRegion",
    "SwitchRule",
    "User",
]
