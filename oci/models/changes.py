# Writes: clusters.enc_serial, in the transaction of the write that caused it.
"""Every write that can change a cluster's ENC documents bumps the cluster's ``enc_serial``.

The ENC caches a cluster's view and each node's document by that serial, so a
document is never served stale: the bump commits (or rolls back) with the
change itself. Writes that cannot change a document (events, reports, users,
a machine's last-seen time) leave it alone; writes whose cluster is not
cheap to know (a location, a role, a bulk delete) bump every cluster.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from oci.models.boot import BootSighting
from oci.models.cluster import Cluster
from oci.models.discovery import DiscoveryReport, MachineEvent, SshHostKey
from oci.models.machine import Machine
from oci.models.network import IpAddress, Network
from oci.models.profile import HardwareProfile, SwitchRule
from oci.models.user import ApiToken, User

__all__ = ["ALL"]

ALL = -1  # "every cluster"
# Rows no document reads.
_IGNORED = (
    BootSighting,
    DiscoveryReport,
    MachineEvent,
    SshHostKey,
    HardwareProfile,
    SwitchRule,
    User,
    ApiToken,
)
# Machine columns that change all the time and reach no document.
_VOLATILE = frozenset(
    {
        "last_seen",
        "first_seen",
        "discovery_count",
        "facts_digest",
        "updated_at",
        "bmc_setup_until",
        "enc_applied",
    }
)


def _values(obj: Any, column: str) -> set[int]:
    """The current and previous values of ``column`` (a cluster or machine id)."""
    state = inspect(obj)
    found = {getattr(obj, column, None)}
    if column in state.attrs:
        found.update(state.attrs[column].history.deleted or ())
    return {value for value in found if isinstance(value, int)}


def _machine_changed(obj: Machine) -> bool:
    state = inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in _VOLATILE)


def _touched(session: Session) -> tuple[set[int], set[int], set[int]]:
    """(cluster ids, machine ids, network ids) the pending changes touch; ALL in clusters
    for a change to every cluster."""
    clusters: set[int] = set()
    machines: set[int] = set()
    networks: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _IGNORED):
            continue
        if isinstance(obj, Cluster):
            if obj.id is not None:
                clusters.add(obj.id)
        elif isinstance(obj, Machine):
            if obj in session.dirty and not _machine_changed(obj):
                continue
            clusters |= _values(obj, "cluster_id")
        elif isinstance(obj, IpAddress):
            machines |= _values(obj, "machine_id")
            networks |= _values(obj, "network_id")
        elif hasattr(obj, "cluster_id"):
            clusters |= _values(obj, "cluster_id")
        elif hasattr(obj, "machine_id"):
            machines |= _values(obj, "machine_id")
        else:
            clusters.add(ALL)
    return clusters, machines, networks


def bump(session: Session, clusters: set[int]) -> None:
    statement = update(Cluster).values(enc_serial=Cluster.enc_serial + 1)
    if ALL not in clusters:
        if not clusters:
            return
        statement = statement.where(Cluster.id.in_(sorted(clusters)))
    session.connection().execute(statement)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, context: UOWTransaction) -> None:
    clusters, machines, networks = _touched(session)
    connection = session.connection()
    if machines:
        clusters |= set(
            connection.scalars(
                select(Machine.cluster_id).where(
                    Machine.id.in_(sorted(machines)), Machine.cluster_id.is_not(None)
                )
            )
        )
    if networks:
        clusters |= set(
            connection.scalars(
                select(Network.cluster_id).where(
                    Network.id.in_(sorted(networks)), Network.cluster_id.is_not(None)
                )
            )
        )
    bump(session, clusters)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of rows a document reads: every cluster, to be safe."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is Cluster or issubclass(mapper.class_, _IGNORED):
        return
    bump(state.session, {ALL})
