"""Which of its cluster's secrets each role receives: a declared table (pure).

A node gets the secrets of its role's groups whose condition holds in its
cluster's topology, and nothing else. ``MAXIMUM`` is what the loader reads and
decrypts for a role; the Puppet module declares the same names, the
conditional ones as optional Struct keys.
"""

from __future__ import annotations

from collections.abc import Callable

from oci.enc.facts import Topology
from oci.enrolment.secrets import MESSAGING_SERVICES
from oci.errors import Conflict


def _service(*services: str) -> tuple[str, ...]:
    names: list[str] = []
    for service in services:
        names += [f"{service}_db_password", f"{service}_keystone_password"]
        if service in MESSAGING_SERVICES:
            names.append(f"{service}_rabbitmq_password")
    return tuple(names)


CORE_SERVICES = ("keystone", "nova", "neutron", "glance", "cinder", "placement", "heat")
COMPUTE_EXTRAS = ("barbican", "octavia", "magnum")
TELEMETRY = ("aodh", "gnocchi", "cloudkitty")

GROUPS: dict[str, tuple[str, ...]] = {
    "control_plane": (
        "keystone_admin_password",
        "haproxy_stats_password",
        "horizon_secret_key",
        "rabbitmq_erlang_cookie",
        *_service(*CORE_SERVICES, *COMPUTE_EXTRAS),
        "swift_keystone_password",
        "metadata_proxy_shared_secret",
    ),
    "galera": ("mysql_root_password", "galera_sst_password"),
    "telemetry": _service(*TELEMETRY),
    "ceph_client": ("ceph_fsid", "ceph_openstack_key", "ceph_libvirt_secret_uuid"),
    "ceph_admin": ("ceph_admin_key",),
    "ceph_mon": ("ceph_mon_key", "ceph_admin_key", "ceph_bootstrap_osd_key", "ceph_fsid"),
    "ceph_osd": ("ceph_fsid", "ceph_bootstrap_osd_key"),
    "swift_hash": ("swift_hash_path_prefix", "swift_hash_path_suffix"),
    "swift_proxy": ("swift_keystone_password",),
    "every_database": _service(*CORE_SERVICES, *COMPUTE_EXTRAS, *TELEMETRY, "designate", "swift"),
    "nova_compute": (
        "nova_keystone_password",
        "nova_rabbitmq_password",
        "neutron_keystone_password",
        "neutron_rabbitmq_password",
        "placement_keystone_password",
        "nova_ssh_private_key",
        "nova_ssh_public_key",
    ),
    "neutron_agent": (
        "neutron_keystone_password",
        "neutron_rabbitmq_password",
        "metadata_proxy_shared_secret",
    ),
    "cinder_volume": _service("cinder"),
    "designate": _service("designate"),
}

Condition = Callable[[Topology], bool]


def _always(topology: Topology) -> bool:
    return True


def _ceph(topology: Topology) -> bool:
    return topology.ceph


def _ceph_mons_here(topology: Topology) -> bool:
    return topology.controllers_are_ceph_mons


def _hyperconverged(topology: Topology) -> bool:
    return topology.hyperconverged


def _routing_on_controllers(topology: Topology) -> bool:
    return topology.routing_on_controllers


def _telemetry_on_controllers(topology: Topology) -> bool:
    return topology.telemetry_on_controllers


def _galera_on_controllers(topology: Topology) -> bool:
    return topology.galera_on_controllers


def _swift_proxies_on_controllers(topology: Topology) -> bool:
    return topology.swift_proxies_on_controllers


# role -> ((group, condition), ...)
ROLE_SECRETS: dict[str, tuple[tuple[str, Condition], ...]] = {
    "controller": (
        ("control_plane", _always),
        ("galera", _galera_on_controllers),
        ("telemetry", _telemetry_on_controllers),
        ("ceph_client", _ceph),
        ("ceph_admin", _ceph),
        ("ceph_mon", _ceph_mons_here),
        ("swift_hash", _swift_proxies_on_controllers),
        ("designate", _always),
    ),
    "compute": (
        ("nova_compute", _always),
        ("neutron_agent", _routing_on_controllers),
        ("ceph_client", _ceph),
        ("ceph_osd", _hyperconverged),
    ),
    "network": (("neutron_agent", _always),),
    "volume": (("cinder_volume", _always), ("ceph_client", _ceph)),
    "sql": (("galera", _always), ("every_database", _always)),
    "messaging": (("telemetry", _always), ("galera", _always)),
    "cephmon": (("ceph_mon", _always),),
    "cephosd": (("ceph_osd", _always),),
    "swiftproxy": (("swift_hash", _always), ("swift_proxy", _always)),
    "swiftstore": (("swift_hash", _always),),
    "dns": (("designate", _always),),
    "debmirror": (),
}


def maximum(role: str) -> frozenset[str]:
    """Every secret name ``role`` may ever receive: what the loader decrypts."""
    return frozenset(name for group, _ in ROLE_SECRETS.get(role, ()) for name in GROUPS[group])


def always(role: str) -> frozenset[str]:
    """The names ``role`` receives in every topology (required in the Puppet contract)."""
    return frozenset(
        name
        for group, condition in ROLE_SECRETS.get(role, ())
        if condition is _always
        for name in GROUPS[group]
    )


def select(role: str, topology: Topology, available: dict[str, str]) -> dict[str, str]:
    """The secrets a node of ``role`` uses in ``topology``, from its cluster's ``available``."""
    wanted = {
        name
        for group, condition in ROLE_SECRETS.get(role, ())
        if condition(topology)
        for name in GROUPS[group]
    }
    missing = sorted(wanted - available.keys())
    if missing:
        # A cluster made before a secret existed, or a row lost: say which, not a 500.
        raise Conflict(
            f"the cluster has no secret {', '.join(missing)}, which a {role} node needs; "
            "no document was made",
            {"missing_secrets": missing},
        )
    return {name: available[name] for name in sorted(wanted)}
