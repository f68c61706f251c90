"""Fixed vocabularies shared by the server and ``ocicli`` (plain constants, no imports
but ``typing``).

The CLI offers these as choices in ``--help``; the API validates against the
same tuples and lists them when a value is refused. Each vocabulary is written
once, as a ``Literal`` type (what the API's models and mypy check), and its
tuple is read from it.
"""

from __future__ import annotations

from typing import Literal, get_args

# OpenStack releases Debian packages (oldest first); the default is Debian 13's.
OpenStackRelease = Literal["zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo"]
OPENSTACK_RELEASES: tuple[OpenStackRelease, ...] = get_args(OpenStackRelease)
DEFAULT_OPENSTACK_RELEASE: OpenStackRelease = "epoxy"

# libvirt CPU models offered to instances: pass the host through, or a named model
# common to every compute (mixed hardware needs a model all of them can run).
CpuModel = Literal[
    "host-passthrough",
    "host-model",
    "Haswell-noTSX-IBRS",
    "Broadwell-IBRS",
    "Skylake-Server-IBRS",
    "Cascadelake-Server",
    "Icelake-Server",
    "SapphireRapids",
    "EPYC",
    "EPYC-IBPB",
    "EPYC-Rome",
    "EPYC-Milan",
    "EPYC-Genoa",
]
CPU_MODELS: tuple[CpuModel, ...] = get_args(CpuModel)

SerialConsole = Literal["none", "ttyS0", "ttyS1", "ttyS2", "ttyS3"]
SERIAL_CONSOLES: tuple[SerialConsole, ...] = get_args(SerialConsole)
RaidLevel = Literal["0", "1", "5", "6", "10"]
RAID_LEVELS: tuple[RaidLevel, ...] = get_args(RaidLevel)
GpuDeviceType = Literal["type-PCI", "type-PF", "type-VF"]
GPU_DEVICE_TYPES: tuple[GpuDeviceType, ...] = get_args(GpuDeviceType)

# network-add ROLE: a machine role, or one of these.
#   all           every machine of the cluster in the network's location gets an address
#   vm-net        the VM (tunnel) network: computes, network nodes and controllers
#   ceph-cluster  the Ceph replication network: OSD nodes
#   ovs-bridge    an OVS bridge for VM traffic: no host address
#   ipmi          BMC addresses: no host address
NETWORK_SPECIAL_ROLES = ("all", "vm-net", "ovs-bridge", "ceph-cluster", "ipmi")
