"""A node's ENC document: data built from its snapshot, dumped by yaml.safe_dump (pure).

No YAML is ever written as text: every host name, option and override value
goes through the dumper, which quotes what needs quoting, so a value such as
``!!python/object`` or ``a: b # c`` reaches Puppet as the string it is.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from oci.enc import overrides, secrets
from oci.enc.facts import Topology
from oci.enc.roles import ROLES
from oci.enc.snapshot import ClusterView, Member, Node, Snapshot
from oci.enrolment.options import ClusterOptions


def node_parameters(snapshot: Snapshot) -> dict[str, Any]:
    """Node-wide top-scope variables ($oci_cluster, ...); unset facts are left out."""
    node = snapshot.node
    member = node.member
    values = {
        "oci_cluster": snapshot.cluster.name,
        "oci_role": member.role,
        "oci_hostname": member.hostname,
        "oci_domain": snapshot.cluster.domain,
        "oci_location": member.location,
        "oci_availability_zone": member.location,
        "oci_swift_region": member.swift_region,
        "oci_compute_aggregate": node.compute_aggregate,
        "oci_datacenter": node.datacenter,
        "oci_row": node.row,
        "oci_rack": node.rack,
        "oci_u_position": node.u_position,
        "oci_addresses": dict(sorted(member.addresses.items())),
    }
    return {key: value for key, value in values.items() if value is not None}


def build(snapshot: Snapshot, overrides_dir: Path | None = None) -> dict[str, Any]:
    role = snapshot.node.member.role
    topology = Topology(snapshot.cluster, snapshot.remote_swift)
    classes: dict[str, Any] = {}
    builder = ROLES.get(role)
    if builder is not None:  # "custom" machines get node facts and no class of ours
        params = builder(snapshot, topology)
        params = overrides.apply(
            overrides_dir,
            snapshot.cluster.name,
            role,
            snapshot.node.member.hostname,
            params,
            example_parameters,
        )
        classes[f"oci::{role}"] = params
    return {
        "classes": classes,
        "parameters": node_parameters(snapshot),
        "environment": snapshot.environment,
    }


# libyaml's emitter when PyYAML has it (Debian's does): 5x faster than the Python one,
# with the same safe representer and resolver, so the same quoting.
# (mypy checks against SafeDumper: the stubs do not make CSafeDumper one.)
if TYPE_CHECKING:
    _SafeDumper = yaml.SafeDumper
else:
    _SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):
    """safe_dump without anchors: Puppet's YAML loader refuses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(document: dict[str, Any]) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=2**16,
    )


@functools.cache
def _example(role: str) -> dict[str, Any] | None:
    builder = ROLES.get(role)
    if builder is None:
        return None
    cluster = ClusterView(
        id=0,
        name="example",
        domain="example.com",
        options=ClusterOptions(vip_hostname="example-api.example.com"),
        networks=(),
        members={},
        present=frozenset({role}),
    )
    member = Member(0, f"example-{role}-1.example.com", role, False, "zone", "region")
    node = Node(member, {}, (), None, None, None, None, None)
    fake = {name: "x" for name in secrets.maximum(role)}
    return builder(Snapshot(node, cluster, fake), Topology(cluster))


def example_parameters(role: str) -> dict[str, Any] | None:
    """A role's class parameters with example values; None for an unknown role."""
    return _example(role)
