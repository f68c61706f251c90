# Writes: Swift regions, locations, networks, clusters and their secrets.
"""Writes to the cluster topology: Swift regions, locations, networks and clusters.

Each function checks what it can first and raises a domain error with a clear
message; the unique constraints catch what a concurrent request slips past.
Callers own the transaction.
"""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Mapped, Session

from oci.choices import NETWORK_SPECIAL_ROLES
from oci.enrolment import ipam
from oci.enrolment import secrets as cluster_secrets
from oci.enrolment.options import ClusterOptions
from oci.errors import Conflict, Invalid, NotFound
from oci.models import (
    Cluster,
    ClusterSecret,
    HardwareProfile,
    IpAddress,
    Location,
    Machine,
    Network,
    Role,
    RoleCounter,
    SwiftRegion,
)
from oci.models.role import BUILTIN_ROLES
from oci.security.vault import Vault


class Named(Protocol):
    """A model whose rows have a unique name: what ``by_name`` looks up. (ClassVar:
    the columns are read on the model, where they are SQL expressions.)"""

    id: ClassVar[Mapped[int]]
    name: ClassVar[Mapped[str]]


M = TypeVar("M", bound=Named)


def by_name(session: Session, model: type[M], name: str, what: str) -> M:
    """The row of ``model`` named ``name``, or NotFound naming what was asked for."""
    row = session.scalar(select(model).where(model.name == name))
    if row is None:
        raise NotFound(f"no {what} named {name!r}")
    return row


def reference(session: Session, model: type[M], name: str, what: str, field: str) -> M:
    """``by_name`` for a name given in a request body: a 422 naming the field, not a 404."""
    try:
        return by_name(session, model, name, what)
    except NotFound as exc:
        raise Invalid(exc.message, {"fields": {field: f"no {what} {name!r}"}}) from exc


def _ensure_new(session: Session, model: type[Named], name: str, what: str) -> None:
    if session.scalar(select(model.id).where(model.name == name)) is not None:
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


def create_cluster(session: Session, name: str, domain: str, vault: Vault) -> Cluster:
    """A new cluster with every secret it will need, generated now and stored encrypted."""
    _ensure_new(session, Cluster, name, "cluster")
    cluster = Cluster(name=name, domain=domain, options={})
    cluster.secrets = [
        ClusterSecret(name=key, ciphertext=vault.encrypt(value))
        for key, value in cluster_secrets.generate().items()
    ]
    session.add(cluster)
    session.flush()
    return cluster


def cluster_options(cluster: Cluster) -> ClusterOptions:
    """The cluster's options with the defaults filled in."""
    options = ClusterOptions.model_validate(cluster.options or {})
    if options.vip_hostname is None:
        options = options.model_copy(
            update={"vip_hostname": f"{cluster.name}-api.{cluster.domain}"}
        )
    return options


def set_cluster_options(session: Session, name: str, changes: dict[str, Any]) -> Cluster:
    """Apply cluster-set ``changes`` (option -> value; None resets it to its default)."""
    # Locked: two concurrent cluster-sets both land, neither overwrites the other.
    cluster = session.scalar(select(Cluster).where(Cluster.name == name).with_for_update())
    if cluster is None:
        raise NotFound(f"no cluster named {name!r}")
    stored = dict(cluster.options or {})
    for key, value in changes.items():
        if value is None:
            stored.pop(key, None)
        else:
            stored[key] = value
    ClusterOptions.model_validate(stored)  # the API validated each value already
    remote = changes.get("remote_swift_cluster")
    if remote is not None:
        _check_remote_swift(session, cluster, remote)
    cluster.options = stored
    session.flush()
    return cluster


def set_first_master(session: Session, name: str, serial: str) -> Cluster:
    """cluster-set --first-master SERIAL: that controller of the cluster bootstraps
    Galera and the VIP (OCI's first_master_machine_id); the others follow it."""
    cluster = session.scalar(select(Cluster).where(Cluster.name == name).with_for_update())
    if cluster is None:
        raise NotFound(f"no cluster named {name!r}")
    controllers = list(
        session.scalars(
            select(Machine)
            .join(Machine.role)
            .where(Machine.cluster_id == cluster.id, Role.name == "controller")
            .with_for_update()
        )
    )
    chosen = [m for m in controllers if m.serial == serial]
    if not chosen:
        raise Invalid(
            f"machine {serial!r} is not a controller of cluster {name!r}",
            {"fields": {"first_master": "the serial of one of the cluster's controllers"}},
        )
    for machine in controllers:
        machine.is_first_master = False
    session.flush()  # at most one first master at any time, whatever the flush order
    chosen[0].is_first_master = True
    session.flush()
    return cluster


def _check_remote_swift(session: Session, cluster: Cluster, remote: str) -> None:
    """The linked Swift-only cluster must exist and be another cluster."""
    field = {"fields": {"remote_swift_cluster": f"no other cluster {remote!r}"}}
    if remote == cluster.name:
        raise Invalid(f"cluster {remote!r} cannot store into its own Swift as a remote", field)
    if session.scalar(select(Cluster.id).where(Cluster.name == remote)) is None:
        raise Invalid(f"no cluster named {remote!r}", field)


def reveal_secrets(cluster: Cluster, vault: Vault) -> dict[str, str]:
    return {s.name: vault.decrypt(s.ciphertext) for s in sorted(cluster.secrets, key=_by_name)}


def _by_name(row: ClusterSecret) -> str:
    return row.name


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
        assert network.cluster is not None  # the foreign key holds
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


# -- network attachment: network-add, network-set, network-remove -------------------------


def _locked_network(session: Session, name: str) -> Network:
    network = session.scalar(select(Network).where(Network.name == name).with_for_update())
    if network is None:
        raise NotFound(f"no network named {name!r}")
    return network


def check_network_role(session: Session, role: str) -> str:
    if role in NETWORK_SPECIAL_ROLES or session.scalar(select(Role.id).where(Role.name == role)):
        return role
    roles = ", ".join(
        [*NETWORK_SPECIAL_ROLES, *session.scalars(select(Role.name).order_by(Role.name))]
    )
    raise Invalid(
        f"no network role {role!r}; choose one of: {roles}",
        {"fields": {"role": f"one of: {roles}"}},
    )


def _holders(session: Session, network: Network) -> list[Machine]:
    """The machines of the network's cluster holding an address in it. A machine
    that left the cluster may still hold its BMC's address here (machine-remove
    keeps it): that does not hold the network, it goes with it."""
    return list(
        session.scalars(
            select(Machine)
            .join(IpAddress, IpAddress.machine_id == Machine.id)
            .where(IpAddress.network_id == network.id, Machine.cluster_id == network.cluster_id)
            .order_by(Machine.hostname)
        )
    )


def attach_network(
    session: Session, name: str, cluster: str, role: str, iface1: str, iface2: str | None
) -> Network:
    """network-add: ``cluster``'s machines of ``role`` get addresses in it from now on.

    A public network gives machines no address: it reserves the cluster's API
    VIP, its first free address (on a /32, the address itself); ``role`` still
    says whose network it is. A management network that serves sql machines
    takes the SQL VIP if the cluster has sql machines and no SQL VIP yet.
    """
    network = _locked_network(session, name)
    target = reference(session, Cluster, cluster, "cluster", "cluster")
    if network.cluster_id is not None:
        assert network.cluster is not None  # the foreign key holds
        raise Conflict(
            f"network {name!r} is already attached to cluster {network.cluster.name!r}; "
            "network-remove it first"
        )
    network.cluster_id = target.id
    network.role = check_network_role(session, role)
    network.iface1 = iface1
    network.iface2 = iface2
    session.flush()
    if network.is_public:
        ipam.reserve_vip(session, network, "api", target.name)
    else:
        reserve_sql_vip(session, target)
    session.flush()
    session.refresh(network)
    return network


def detach_network(session: Session, name: str) -> Network:
    """network-remove: the network leaves its cluster, with the VIPs it held. The
    SQL VIP moves to another management network of the sql machines, if one has room."""
    network = _locked_network(session, name)
    if network.cluster_id is None:
        raise Conflict(f"network {name!r} is attached to no cluster")
    holders = _holders(session, network)
    if holders:
        names = ", ".join(str(m.hostname) for m in holders[:10])
        raise Conflict(
            f"machines still hold addresses in network {name!r}: {names}; machine-remove them first"
        )
    cluster = network.cluster
    session.execute(delete(IpAddress).where(IpAddress.network_id == network.id))
    network.cluster_id = None
    network.role = None
    network.iface1 = None
    network.iface2 = None
    network.bridge_name = None
    session.flush()
    if cluster is not None:
        reserve_sql_vip(session, cluster, strict=False)
    session.refresh(network)
    return network


# -- the cluster's VIPs ---------------------------------------------------------------------


def vips(session: Session, cluster: Cluster, usage: str) -> list[IpAddress]:
    """The cluster's ``usage`` VIPs (api: one per public network; sql: at most one)."""
    return list(
        session.scalars(
            select(IpAddress)
            .join(Network, IpAddress.network_id == Network.id)
            .where(
                Network.cluster_id == cluster.id,
                IpAddress.purpose == "vip",
                IpAddress.vip_usage == usage,
            )
            .order_by(Network.id)
        )
    )


def _sql_machines(session: Session, cluster: Cluster) -> list[Machine]:
    """The cluster's sql machines, first (the lowest number) first."""
    return list(
        session.scalars(
            select(Machine)
            .join(Role, Machine.role_id == Role.id)
            .where(Machine.cluster_id == cluster.id, Role.name == "sql")
            .order_by(func.length(Machine.hostname), Machine.hostname)
        )
    )


def reserve_sql_vip(session: Session, cluster: Cluster, *, strict: bool = True) -> str | None:
    """The cluster's SQL VIP, reserved now if the cluster has sql machines and none yet.

    As OCI, it goes on a management network of the sql machines' location (the
    first sql machine's, else the next one's): one attached with role ``sql``
    before one with role ``all``, then the oldest. None when the cluster has no
    sql machine or no such network yet (network-add of one reserves it then).
    A full network is a Conflict naming it, or, unless ``strict``, skipped.
    """
    # The cluster's row lock serialises two first sql machines (and attaches).
    session.scalar(select(Cluster.id).where(Cluster.id == cluster.id).with_for_update())
    held = vips(session, cluster, "sql")
    if held:
        return held[0].address
    machines = _sql_machines(session, cluster)
    if not machines:
        return None
    networks = session.scalars(
        select(Network).where(Network.cluster_id == cluster.id).order_by(Network.id)
    ).all()
    candidates = [
        network
        for location_id in dict.fromkeys(m.location_id for m in machines)
        for network in sorted(
            (n for n in networks if n.location_id == location_id and ipam.holds_vip(n, "sql")),
            key=lambda n: (n.role != "sql", n.id),
        )
    ]
    for network in candidates:
        if ipam.has_room(session, network):
            return ipam.reserve_vip(session, network, "sql", cluster.name)
    if strict and candidates:  # every one is full: the Conflict names the first
        return ipam.reserve_vip(session, candidates[0], "sql", cluster.name)
    return None


def release_sql_vip(session: Session, cluster: Cluster) -> None:
    """The SQL VIP goes when the cluster's last sql machine does."""
    if not _sql_machines(session, cluster):
        for row in vips(session, cluster, "sql"):
            session.delete(row)


# network-set's changes that move the network itself (OCI's --ip --cidr --location
# --is-public) or its ranges (--first-ip --last-ip --ipmi-match-addr/-cidr).
_PLACE = {"address", "prefix_length"}


def set_network(session: Session, name: str, changes: dict[str, Any]) -> Network:
    """network-set: OCI's 14 settings of a network (None clears an optional one).

    The role may be set on a network attached to no cluster (OCI's ipmi network:
    ``network-set ipmi --role ipmi``); interfaces need a cluster. A new address or
    prefix length is refused while an address in use would fall outside it."""
    network = _locked_network(session, name)
    for field in ("address", "prefix_length", "location", "is_public"):
        if field in changes and changes[field] is None:
            raise Invalid(f"a network needs its {field}", {"fields": {field: "cannot be null"}})
    if network.cluster_id is None and {"iface1", "iface2"} & changes.keys():
        raise Conflict(f"network {name!r} is attached to no cluster; network-add it first")
    if "role" in changes:
        _check_new_role(session, network, changes["role"])
    if "iface1" in changes and changes["iface1"] is None:
        raise Invalid("an attached network needs iface1", {"fields": {"iface1": "cannot be null"}})
    if _PLACE & changes.keys():
        _move(session, network, changes.pop("address", None), changes.pop("prefix_length", None))
    if "location" in changes:
        place = reference(session, Location, changes.pop("location"), "location", "location")
        if place.id != network.location_id and _hosts_in(session, network):
            raise Conflict(
                f"machines hold addresses in network {network.name!r}, given in its "
                f"location; machine-remove them before moving it to {place.name!r}"
            )
        network.location = place
    becomes_public = changes.get("is_public") is True and not network.is_public
    if "is_public" in changes:
        _check_public(session, network, bool(changes["is_public"]))
    if network.ip_version == 6 and (changes.get("mtu") or 1280) < 1280:
        raise Invalid(
            "IPv6 needs an MTU of at least 1280", {"fields": {"mtu": "at least 1280 for IPv6"}}
        )
    for key, value in changes.items():
        setattr(network, key, value)
    check_range(network)
    check_ipmi_match(network)
    session.flush()
    if becomes_public and network.cluster is not None:
        # As network-add does for a public network: it holds the cluster's API VIP.
        ipam.reserve_vip(session, network, "api", network.cluster.name)
        session.flush()
    session.refresh(network)
    return network


def _hosts_in(session: Session, network: Network) -> bool:
    return any(r.machine_id is not None and r.purpose == "host" for r in _in_use(session, network))


def _check_new_role(session: Session, network: Network, role: str | None) -> None:
    if role is None:
        if network.cluster_id is not None:
            raise Invalid(
                "an attached network needs a role", {"fields": {"role": "cannot be null"}}
            )
        return
    check_network_role(session, role)
    lost = [
        m.hostname
        for m in _holders(session, network)
        if m.role is not None and not ipam.serves(role, m.role.name)
    ]
    if lost:
        raise Conflict(
            f"role {role!r} would not serve machines holding addresses in {network.name!r}: "
            f"{', '.join(str(h) for h in lost[:10])}; machine-remove them first"
        )


def _in_use(session: Session, network: Network) -> list[IpAddress]:
    return list(session.scalars(select(IpAddress).where(IpAddress.network_id == network.id)))


def _move(session: Session, network: Network, address: str | None, prefix: int | None) -> None:
    """--ip/--cidr: the network becomes ADDRESS/PREFIX if every address in use stays in it."""
    moved = parse_network(address or network.address, prefix or network.prefix_length)
    if moved.version != network.ip_version:
        raise Invalid(
            f"{moved} is IPv{moved.version}; network {network.name!r} is IPv{network.ip_version}",
            {"fields": {"address": f"an IPv{network.ip_version} address"}},
        )
    others = select(Network).where(Network.ip_version == moved.version, Network.id != network.id)
    for other in session.scalars(others):
        if moved.overlaps(other.ip_network):
            raise Conflict(f"{moved} overlaps network {other.name!r} ({other.cidr})")
    usable = set(ipam.usable_hosts(moved))
    outside = [
        row.address
        for row in _in_use(session, network)
        if ipaddress.ip_address(row.address) not in usable
    ]
    if outside:
        raise Conflict(
            f"network {network.name!r} cannot become {moved}: addresses in use would fall "
            f"outside it ({', '.join(sorted(outside)[:10])}); release them first",
            {"network": network.name, "outside": sorted(outside)},
        )
    network.address = str(moved.network_address)
    network.prefix_length = moved.prefixlen


def _check_public(session: Session, network: Network, public: bool) -> None:
    rows = _in_use(session, network)
    if public and _hosts_in(session, network):
        raise Conflict(
            f"machines hold addresses in network {network.name!r}: a public network holds "
            "VIPs only; machine-remove them first"
        )
    if not public and any(row.vip_usage == "api" for row in rows):
        raise Conflict(
            f"network {network.name!r} holds the API VIP of its cluster; network-remove it first"
        )


def check_range(network: Network) -> None:
    """--first-ip/--last-ip: host addresses of the network, first before last."""
    bounds: dict[str, ipam.IPAddress] = {}
    usable = network.ip_network
    for field in ("first_ip", "last_ip"):
        text = getattr(network, field)
        if text is None:
            continue
        try:
            address = ipaddress.ip_address(text)
        except ValueError as exc:
            raise Invalid(
                f"{text!r} is not an IP address", {"fields": {field: "not an IP address"}}
            ) from exc
        if address not in usable:
            raise Invalid(
                f"{field} {address} is outside network {network.name!r} ({network.cidr})",
                {"fields": {field: f"an address of {network.cidr}"}},
            )
        setattr(network, field, str(address))
        bounds[field] = address
    if len(bounds) == 2 and int(bounds["first_ip"]) > int(bounds["last_ip"]):
        raise Invalid(
            f"first_ip {bounds['first_ip']} comes after last_ip {bounds['last_ip']}",
            {"fields": {"first_ip": "not after last_ip"}},
        )


def check_ipmi_match(network: Network) -> None:
    """--ipmi-match-addr/--ipmi-match-cidr: a network, given both or neither."""
    address, prefix = network.ipmi_match_address, network.ipmi_match_prefix_length
    if address is None and prefix is None:
        return
    if address is None or prefix is None:
        raise Invalid(
            "ipmi_match_address and ipmi_match_prefix_length go together",
            {"fields": {"ipmi_match_address": "with ipmi_match_prefix_length"}},
        )
    matched = parse_network(address, prefix)
    network.ipmi_match_address = str(matched.network_address)


# -- role counts (OCI's cluster-rolecounts-*) and roles (role-create, role-delete) ----------


def _highest_number(session: Session, cluster: Cluster, role: Role) -> int:
    prefix = f"{cluster.name}-{role.name}-"
    highest = 0
    hostnames = session.scalars(
        select(Machine.hostname).where(Machine.cluster_id == cluster.id, Machine.role_id == role.id)
    )
    for hostname in hostnames:
        label = (hostname or "").split(".", 1)[0]
        if label.startswith(prefix) and label[len(prefix) :].isdigit():
            highest = max(highest, int(label[len(prefix) :]))
    return highest


def set_role_count(session: Session, name: str, role_name: str, count: int) -> int:
    """cluster-rolecounts-set: the next machine-add of ``role`` is number count+1.
    A count below a number in use is refused: two machines would share a host name."""
    cluster = by_name(session, Cluster, name, "cluster")
    role = reference(session, Role, role_name, "role", "role")
    if count < 0:
        raise Invalid("a role count is 0 or more", {"fields": {"count": "0 or more"}})
    # The counter first: a machine-add takes a number under its lock, so the host
    # names read after it include every number taken (read before it, a machine-add
    # committing in between would keep its number and the counter would go below it).
    counter = session.scalar(
        select(RoleCounter)
        .where(RoleCounter.cluster_id == cluster.id, RoleCounter.role_id == role.id)
        .with_for_update()
    )
    highest = _highest_number(session, cluster, role)
    if count < highest:
        raise Conflict(
            f"{cluster.name}-{role.name}-{highest} exists: the count of {role.name!r} "
            f"cannot go below {highest}"
        )
    if counter is None:
        counter = RoleCounter(cluster_id=cluster.id, role_id=role.id)
        session.add(counter)
    counter.next_number = count + 1
    session.flush()
    return count


def create_role(session: Session, name: str, description: str) -> Role:
    """role-create: a role of the operator's; Puppet classifies it oci::NAME, which
    the operator's Puppet code must provide (as with OCI)."""
    _ensure_new(session, Role, name, "role")
    if name in NETWORK_SPECIAL_ROLES:
        raise Conflict(f"{name!r} is a network role; choose another name")
    role = Role(name=name, description=description)
    session.add(role)
    session.flush()
    return role


def delete_role(session: Session, name: str) -> None:
    """role-delete: refused while a machine, network or role counter uses it."""
    role = get_role(session, name)
    if role.name in BUILTIN_ROLES:
        raise Conflict(f"{name!r} is one of oci's own roles; it cannot be deleted")
    machines = _names(session, Machine.hostname, Machine.role_id == role.id)
    if machines:
        raise Conflict(f"machines have role {name!r}: {machines}; machine-remove them first")
    networks = _names(session, Network.name, Network.role == role.name)
    if networks:
        raise Conflict(f"networks serve role {name!r}: {networks}; change them first")
    profiles = _names(session, HardwareProfile.name, HardwareProfile.role == role.name)
    if profiles:
        raise Conflict(f"hardware profiles give role {name!r}: {profiles}; change them first")
    session.execute(delete(RoleCounter).where(RoleCounter.role_id == role.id))
    session.delete(role)


# -- filebeat output hosts (OCI's filebeat-output-host-*) ------------------------------------
#
# OCI keeps them in a table; ours are the cluster option filebeat_output_hosts
# (HOST:PORT,...), which the ENC already passes as oci::filebeat's output_hosts.
# These edit that option under the cluster's lock, so two creates both land.


MAX_FILEBEAT_HOSTS = 32  # what the option's pattern allows


def filebeat_hosts(cluster: Cluster) -> list[tuple[str, int]]:
    text = (cluster.options or {}).get("filebeat_output_hosts") or ""
    pairs = (item.rsplit(":", 1) for item in str(text).split(",") if item)
    return [(host, int(port)) for host, port in pairs]


def edit_filebeat_hosts(
    session: Session, name: str, host: str, port: int, *, add: bool
) -> list[tuple[str, int]]:
    cluster = session.scalar(select(Cluster).where(Cluster.name == name).with_for_update())
    if cluster is None:
        raise NotFound(f"no cluster named {name!r}")
    hosts = filebeat_hosts(cluster)
    if add and (host, port) in hosts:
        raise Conflict(f"{host}:{port} is already a filebeat output host of cluster {name!r}")
    if not add and (host, port) not in hosts:
        raise NotFound(f"{host}:{port} is not a filebeat output host of cluster {name!r}")
    if add and len(hosts) >= MAX_FILEBEAT_HOSTS:
        raise Conflict(
            f"cluster {name!r} has {len(hosts)} filebeat output hosts already, the most "
            "filebeat_output_hosts holds; delete one first"
        )
    hosts = [*hosts, (host, port)] if add else [h for h in hosts if h != (host, port)]
    text = ",".join(f"{h}:{p}" for h, p in hosts) or None
    set_cluster_options(session, name, {"filebeat_output_hosts": text})
    return hosts
