"""Fixed vocabularies shared by the server and ``ocicli`` (plain constants, no imports).

The CLI offers these as choices in ``--help``; the API validates against the
same tuples and lists them when a value is refused.
"""

from __future__ import annotations

# OpenStack releases Debian packages (oldest first); the default is Debian 13's.
OPENSTACK_RELEASES = ("zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo")
DEFAULT_OPENSTACK_RELEASE = "epoxy"

# libvirt CPU models offered to instances: pass the host through, or a named model
# common to every compute (mixed hardware needs a model all of them can run).
CPU_MODELS = (
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
)

SERIAL_CONSOLES = ("none", "ttyS0", "ttyS1", "ttyS2", "ttyS3")
RAID_LEVELS = ("0", "1", "5", "6", "10")
GPU_DEVICE_TYPES = ("type-PCI", "type-PF", "type-VF")

# network-add ROLE: a machine role, or one of these.
#   all           every machine of the cluster in the network's location gets an address
#   vm-net        the VM (tunnel) network: computes, network nodes and controllers
#   ceph-cluster  the Ceph replication network: OSD nodes
#   ovs-bridge    an OVS bridge for VM traffic: no host address
#   ipmi          BMC addresses: no host address
NETWORK_SPECIAL_ROLES = ("all", "vm-net", "ovs-bridge", "ceph-cluster", "ipmi")
