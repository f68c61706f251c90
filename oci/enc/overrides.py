"""Operator overrides of class parameters, like OCI's hiera directory.

Files under the ``enc_overrides_dir`` setting, applied in this order (a later
file wins, key by key)::

    roles/ROLE.yaml
    clusters/CLUSTER.yaml
    clusters/CLUSTER/roles/ROLE.yaml
    nodes/FQDN.yaml
    clusters/CLUSTER/nodes/FQDN.yaml

Each file is a YAML mapping of ``oci::CLASS::PARAMETER: value`` (the hiera
spelling). Every key must name a class of puppet-module-oci and one of its
parameters, and a
value must have the shape of the parameter (a Boolean stays a Boolean, a list a
list): a typo is an error naming the file and the key, and Puppet fails rather
than applying a catalog without the override.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from oci.errors import OciError

KEY = re.compile(r"^oci::(?P<role>[a-z]+)::(?P<param>[a-z][a-z0-9_]*)$")

# (path, mtime_ns, size) -> parsed mapping: a file is parsed again only when it changes.
_cache: dict[tuple[str, int, int], dict[str, Any]] = {}


class OverrideError(OciError):
    """An override file cannot be used; the message names it."""

    status = 500
    code = "enc_override_invalid"


def files(directory: Path, cluster: str, role: str, fqdn: str) -> list[Path]:
    """The override files of a node, lowest precedence first (existing or not)."""
    return [
        directory / "roles" / f"{role}.yaml",
        directory / "clusters" / f"{cluster}.yaml",
        directory / "clusters" / cluster / "roles" / f"{role}.yaml",
        directory / "nodes" / f"{fqdn}.yaml",
        directory / "clusters" / cluster / "nodes" / f"{fqdn}.yaml",
    ]


def _read(path: Path) -> dict[str, Any] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OverrideError(f"ENC override file {path}: cannot read it: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise OverrideError(f"ENC override file {path}: must be a mapping of oci::ROLE::PARAM")
    if len(_cache) > 4096:
        _cache.clear()
    _cache[key] = data
    return data


def _shape(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Hash"
    return type(value).__name__


def apply(
    directory: Path | None,
    cluster: str,
    role: str,
    fqdn: str,
    classes: dict[str, dict[str, Any]],
    known: Callable[[str], frozenset[str] | None],
) -> dict[str, dict[str, Any]]:
    """``classes`` with the node's overrides applied; every file's keys validated.

    A key is ``oci::CLASS::PARAMETER``; ``known(class)`` gives the class's
    parameter names (None for a class that does not exist). Keys of classes the
    node does not have are checked and skipped: a file may serve several roles.
    """
    if directory is None:
        return classes
    merged = {name: dict(params) for name, params in classes.items()}
    for path in files(directory, cluster, role, fqdn):
        data = _read(path)
        if not data:
            continue
        for key, value in data.items():
            match = KEY.match(key) if isinstance(key, str) else None
            if match is None:
                raise OverrideError(
                    f"ENC override file {path}: key {key!r} is not oci::CLASS::PARAMETER"
                )
            name, param = f"oci::{match['role']}", match["param"]
            declared = known(name)
            if declared is None:
                raise OverrideError(f"ENC override file {path}: {key}: no class {name}")
            if param not in declared:
                raise OverrideError(
                    f"ENC override file {path}: {key}: class {name} has no parameter {param!r}"
                )
            if param.startswith("pass_") or (param.startswith("ceph_") and param.endswith("key")):
                raise OverrideError(
                    f"ENC override file {path}: {key}: secrets come from the cluster only"
                )
            if name not in merged:
                continue
            expected = merged[name].get(param)
            if expected is not None and value is not None and _shape(value) != _shape(expected):
                raise OverrideError(
                    f"ENC override file {path}: {key}: expected {_shape(expected)}, "
                    f"got {_shape(value)} {value!r}"
                )
            merged[name][param] = value
    return merged
