"""A node's ENC document: data built from its snapshot, dumped by yaml.safe_dump (pure).

``classes:`` holds ``oci::generic``, ``oci::filebeat`` and the role's class of
Debian's puppet-module-oci with their parameters (oci.enc.classes);
``parameters:`` the node's top-scope facts ($oci_cluster ...). No YAML is ever
written as text: every value goes through the dumper, which quotes what needs
quoting, so a value such as ``!!python/object`` reaches Puppet as the string
it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from oci.enc import classes, overrides
from oci.enc.interface import Interface
from oci.enc.snapshot import Snapshot
from oci.enc.values import SharedMapping
from oci.errors import Conflict


def node_parameters(snapshot: Snapshot) -> dict[str, Any]:
    """Node-wide top-scope variables ($oci_cluster, ...); unset facts are left out."""
    node = snapshot.node
    member = node.member
    values = {
        "oci_cluster": snapshot.cluster.name,
        "oci_role": member.role,
        "oci_hostname": member.hostname,
        "oci_domain": snapshot.cluster.domain,
        "oci_location": member.location or None,
        "oci_availability_zone": member.location or None,
        "oci_swift_region": member.swift_region or None,
        "oci_compute_aggregate": node.compute_aggregate,
        "oci_datacenter": node.datacenter,
        "oci_row": node.row,
        "oci_rack": node.rack,
        "oci_u_position": node.u_position,
        "oci_addresses": dict(sorted(member.addresses.items())),
    }
    return {key: value for key, value in values.items() if value is not None}


def build(
    snapshot: Snapshot,
    overrides_dir: Path | None = None,
    interface: Interface | None = None,
) -> dict[str, Any]:
    """The document; with ``interface`` (the installed module's), one Puppet would
    refuse is refused here (409), naming the class and the parameter."""
    found = classes.classes(snapshot)
    member = snapshot.node.member

    def known(name: str) -> frozenset[str] | None:
        if interface is not None:
            return interface.classes.get(name)
        return frozenset(found[name]) if name in found else None

    found = overrides.apply(
        overrides_dir, snapshot.cluster.name, member.role, member.hostname, found, known
    )
    if interface is not None:
        problems = interface.check(found)
        if problems:
            raise Conflict(
                "the document would not compile with the installed puppet-module-oci: "
                + "; ".join(problems),
                {"puppet_errors": problems},
            )
    return {
        "classes": found,
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


def _represent_shared(dumper: _Dumper, data: SharedMapping) -> yaml.Node:
    """The YAML node of a mapping many documents share (the computes' keys of a
    cluster), made once and then reused by every dump: the representer, in
    Python, is most of a large document's cost; emitting stays libyaml's."""
    node = getattr(data, "yaml_node", None)
    if node is None:
        node = dumper.represent_mapping("tag:yaml.org,2002:map", data)
        data.yaml_node = node
    return node


_Dumper.add_representer(SharedMapping, _represent_shared)


def dump(document: dict[str, Any]) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=2**16,
    )
