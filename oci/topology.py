"""Writes to the cluster topology: Swift regions, locations, networks and clusters.

Each function checks what it can first and raises a domain error with a clear
message; the unique constraints catch what a concurrent request slips past.
Callers own the transaction.
"""

from __future__ import annotations

import ipaddress
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oci.db import Base
from oci.errors import Conflict, Invalid, NotFound
from oci.models import Cluster, IpAddress, Location, Machine, Network, Role, SwiftRegion

M = TypeVar("M", bound=Base)


def by_name(session: Session, model: type[M], name: str, what: str) -> M:
    """The row of ``model`` named ``name``, or NotFound naming what was asked for."""
    row = session.scalar(select(model).where(model.name == name))  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(f"no {what} named {name!r}")
    return row


def reference(session: Session, model: type[M], name: str, what: str, field: str) -> M:
    """``by_name`` for a name given in a request body: a 422 naming the field, not a 404."""
    try:
        return by_name(session, model, name, what)
    except NotFound as exc:
        raise Invalid(exc.message, {"fields": {field: f"no {what} {name!r}"}}) from exc


def _ensure_new(session: Session, model: type[Base], name: str, what: str) -> None:
    if session.scalar(select(model.id).where(model.name == name)) is not None:  # type: ignore[attr-defined]
        raise Conflict(f"a {what} named {name!r} already exists")


def _names(session: Session, column: Any, condition: Any, limit: int = 10) -> str:
    names = list(session.scalars(select(column).where(condition).order_by(column).limit(limit)))
    return ", ".join(str(n) for n in names)


def create_swift_region(session: Session, name: str) -> SwiftRegion:
    _ensure_new(session, SwiftRegion, name, "Swift region")
    region = SwiftRegion(name=name)
    session.add(region)
    session.flush()
    return region


def delete_swift_region(session: Session, name: str) -> None:
    region = by_name(session, SwiftRegion, name, "Swift region")
    users = _names(session, Location.name, Location.swift_region_id == region.id)
    if users:
        raise Conflict(f"Swift region {name!r} still has locations: {users}; delete them first")
    session.delete(region)


def create_location(session: Session, name: str, swift_region: str) -> Location:
    _ensure_new(session, Location, name, "location")
    region = reference(session, SwiftRegion, swift_region, "Swift region", "swift_region")
    location = Location(name=name, swift_region=region)
    session.add(location)
    session.flush()
    return location


def delete_location(session: Session, name: str) -> None:
    location = by_name(session, Location, name, "location")
    networks = _names(session, Network.name, Network.location_id == location.id)
    if networks:
        raise Conflict(f"location {name!r} still has networks: {networks}; delete them first")
    machines = _names(session, Machine.hostname, Machine.location_id == location.id)
    if machines:
        raise Conflict(f"location {name!r} still has machines: {machines}")
    session.delete(location)


def create_cluster(session: Session, name: str, domain: str) -> Cluster:
    _ensure_new(session, Cluster, name, "cluster")
    cluster = Cluster(name=name, domain=domain, options={})
    session.add(cluster)
    session.flush()
    return cluster


def delete_cluster(session: Session, name: str) -> None:
    cluster = by_name(session, Cluster, name, "cluster")
    machines = _names(session, Machine.hostname, Machine.cluster_id == cluster.id)
    if machines:
        raise Conflict(f"cluster {name!r} still has machines: {machines}; remove them first")
    networks = _names(session, Network.name, Network.cluster_id == cluster.id)
    if networks:
        raise Conflict(f"cluster {name!r} still uses networks: {networks}; remove them first")
    session.delete(cluster)


def create_network(
    session: Session,
    name: str,
    address: str,
    prefix_length: int,
    location: str,
    is_public: bool,
) -> Network:
    _ensure_new(session, Network, name, "network")
    network = parse_network(address, prefix_length)
    place = reference(session, Location, location, "location", "location")
    for other in session.scalars(select(Network).where(Network.ip_version == network.version)):
        if network.overlaps(other.ip_network):
            raise Conflict(f"{network} overlaps network {other.name!r} ({other.cidr})")
    row = Network(
        name=name,
        address=str(network.network_address),
        prefix_length=network.prefixlen,
        ip_version=network.version,
        location=place,
        is_public=is_public,
    )
    session.add(row)
    session.flush()
    return row


def parse_network(text: str, prefix_length: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        address = ipaddress.ip_address(text)
    except ValueError as exc:
        raise Invalid(
            f"{text!r} is not an IPv4 or IPv6 address",
            {"fields": {"address": "not an IP address"}},
        ) from exc
    if getattr(address, "scope_id", None):
        raise Invalid(
            f"{text!r} has a zone ID; a network address has none",
            {"fields": {"address": "zone IDs (%...) are not allowed"}},
        )
    limit = address.max_prefixlen
    if not 1 <= prefix_length <= limit:
        raise Invalid(
            f"prefix length {prefix_length} is out of range for IPv{address.version} (1-{limit})",
            {"fields": {"prefix_length": f"between 1 and {limit}"}},
        )
    try:
        return ipaddress.ip_network(f"{address}/{prefix_length}", strict=True)
    except ValueError as exc:
        base = ipaddress.ip_network(f"{address}/{prefix_length}", strict=False).network_address
        raise Invalid(
            f"{address}/{prefix_length} has host bits set; did you mean {base}?",
            {"fields": {"address": f"not the network address of a /{prefix_length}"}},
        ) from exc


def delete_network(session: Session, name: str) -> None:
    network = by_name(session, Network, name, "network")
    if network.cluster_id is not None:
        raise Conflict(
            f"network {name!r} is attached to cluster {network.cluster.name!r}; remove it first"
        )
    used = session.scalar(
        select(func.count()).where(
            IpAddress.network_id == network.id, IpAddress.machine_id.isnot(None)
        )
    )
    if used:
        raise Conflict(f"network {name!r} still has {used} address(es) held by machines")
    session.delete(network)


def get_role(session: Session, name: str) -> Role:
    return by_name(session, Role, name, "role")
