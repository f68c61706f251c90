"""The inventory read for the rings: the ENC's view of the cluster, and the disks and
racks of its storing machines (read only)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci import remote
from oci.enc import loader
from oci.enc.snapshot import ClusterView, Disk
from oci.errors import NotFound
from oci.models import Cluster, Machine, SshHostKey
from oci.models import Disk as DiskRow
from oci.swift import plan
from oci.swift.plan import STORING_ROLES, StoreHardware

__all__ = ["gather", "publish_nodes"]


def gather(session: Session, cluster: str) -> tuple[ClusterView, dict[int, StoreHardware]]:
    connection = session.connection()
    row = connection.execute(
        loader.CLUSTERS.where(Cluster.__table__.c.name == cluster)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no cluster named {cluster!r}")
    # The same view the ENC documents are made from: the rings agree with them.
    view = loader.cluster_view(connection, row, None)
    ids = [m.id for role in STORING_ROLES for m in view.listed(role)]
    disks: dict[int, list[Disk]] = defaultdict(list)
    racks: dict[int, str | None] = {}
    if ids:
        for machine_id, name, size, transport in connection.execute(
            select(DiskRow.machine_id, DiskRow.name, DiskRow.size_bytes, DiskRow.transport).where(
                DiskRow.machine_id.in_(ids)
            )
        ):
            disks[machine_id].append(Disk(name, size, transport))
        rows = connection.execute(select(Machine.id, Machine.rack).where(Machine.id.in_(ids)))
        racks = {machine_id: rack for machine_id, rack in rows}
    hardware = {
        machine_id: StoreHardware(tuple(disks.get(machine_id, ())), racks.get(machine_id))
        for machine_id in ids
    }
    return view, hardware


def publish_nodes(
    session: Session, view: ClusterView, port: int
) -> list[tuple[str, remote.Target | str]]:
    """The machines that read the rings (oci.swift.plan.publish_targets), each with how
    to reach it over SSH (its management address, its pinned host keys) or why not."""
    found = plan.publish_targets(view)
    ids = [member.id for member, _ in found]
    keys: dict[int, list[str]] = defaultdict(list)
    if ids:
        rows = session.execute(
            select(SshHostKey.machine_id, SshHostKey.public_key).where(
                SshHostKey.machine_id.in_(ids)
            )
        )
        for machine_id, public_key in rows:
            keys[machine_id].append(public_key)
    nodes: list[tuple[str, remote.Target | str]] = []
    for member, address in found:
        if address is None:
            nodes.append((member.hostname, "no address on a management network"))
        elif not keys.get(member.id):
            nodes.append((member.hostname, "no SSH host key pinned: it never reported them"))
        else:
            nodes.append((member.hostname, remote.Target(address, tuple(keys[member.id]), port)))
    return nodes
