"""ENC snapshots made in memory: clusters of any shape for the pure ENC tests."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

from oci.enc.snapshot import Certificates, ClusterView, Disk, Member, NetworkView, Node, Snapshot
from oci.enrolment import secrets as cluster_secrets
from oci.enrolment.options import ClusterOptions, MachineSettings

MANAGEMENT = NetworkView(
    1, "mgmt", "192.168.10.0/24", 4, "all", "eth0", None, 1500, None, None, False
)
PUBLIC = NetworkView(
    2,
    "public",
    "203.0.113.0/28",
    4,
    "controller",
    "eth0",
    None,
    1500,
    None,
    None,
    True,
    {"api": "203.0.113.1"},
)
CEPH_NET = NetworkView(
    3, "ceph", "192.168.20.0/24", 4, "ceph-cluster", "eth1", None, 9000, None, None, False
)
SECRETS = cluster_secrets.generate()
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
ROOT_PRIVATE = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n"


def root_public(n: int) -> str:
    return base64.b64encode(b"ssh-rsa-key-%d" % n).decode()


class ClusterBuilder:
    """add(role, count) machines with addresses on the management network, then snapshot()."""

    def __init__(self, name: str = "cl1", **options: Any) -> None:
        self.name = name
        self.options = options
        self.networks = [MANAGEMENT, PUBLIC]
        self.members: dict[str, list[Member]] = {}
        self.disks: dict[str, tuple[Disk, ...]] = {}
        self._next = 1

    def add(self, role: str, count: int = 1, **settings: Any) -> list[Member]:
        made = []
        for _ in range(count):
            n = self._next
            self._next += 1
            number = len(self.members.get(role, [])) + 1
            addresses = {"mgmt": f"192.168.10.{n}"}
            if role in ("cephosd", "compute") and CEPH_NET in self.networks:
                addresses["ceph"] = f"192.168.20.{n}"
            member = Member(
                id=n,
                hostname=f"{self.name}-{role}-{number}.example.com",
                role=role,
                is_first_master=role == "controller" and number == 1,
                status="puppet-success",
                addresses=addresses,
                location_id=1,
                location="zone1",
                swift_region_id=1,
                swift_region="region1",
                settings=MachineSettings.model_validate(settings),
                root_public_key=root_public(n),
            )
            self.members.setdefault(role, []).append(member)
            made.append(member)
        return made

    def set_status(self, role: str, status: str) -> None:
        self.members[role] = [dataclasses.replace(m, status=status) for m in self.members[role]]

    def view(self) -> ClusterView:
        options = {"vip_hostname": f"{self.name}-api.example.com", **self.options}
        return ClusterView(
            id=1,
            name=self.name,
            domain="example.com",
            options=ClusterOptions.model_validate(options),
            networks=tuple(self.networks),
            members={role: tuple(found) for role, found in self.members.items()},
            secrets=dict(SECRETS),
        )

    def snapshot(self, hostname: str, disks: tuple[Disk, ...] = (), **kwargs: Any) -> Snapshot:
        view = self.view()
        member = next(m for m in view.all_members() if m.hostname == hostname)
        node = Node(
            member=member,
            disks=disks,
            nic_drivers=("mlx5_core",),
            root_private_key=ROOT_PRIVATE,
            certificates=Certificates(PEM + PEM, PEM, PEM, PEM, KEY, PEM, KEY),
        )
        return Snapshot(node=node, cluster=view, **kwargs)


def standard(**options: Any) -> ClusterBuilder:
    """3 controllers, 2 computes, 1 volume node, one management and one public network."""
    cluster = ClusterBuilder(**options)
    cluster.add("controller", 3)
    cluster.add("compute", 2)
    cluster.add("volume")
    return cluster


DATA_DISKS = (
    Disk("sda", 240 * 10**9, "sata"),
    Disk("sdb", 4 * 10**12, "sas"),
    Disk("sdc", 4 * 10**12, "sas"),
    Disk("nvme0n1", 2 * 10**12, "nvme"),
)
