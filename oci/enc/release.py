"""Which OpenStack release the installed Puppet modules implement.

The `oci` module takes ``openstack_release`` from the ENC and picks code paths
by name, but it only tests the names up to yoga and sends every other name,
known or not, down its newest branch: a catalog for ``antelope`` or ``foo``
compiles against the zed modules and fails on the nodes. So the release is
checked against the modules' own metadata instead: puppet-nova 21.x
implements zed, 22.x antelope, and so on (the OpenStack Puppet modules share
their major version per release).

Pure: reads ``metadata.json`` files, writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from oci.errors import Invalid

DEFAULT_MODULE_PATH = (Path("/usr/share/puppet/modules"),)

# Major version of the OpenStack Puppet modules (puppet-nova, -keystone, ...)
# -> the release they implement, oldest first.
MAJORS: dict[int, str] = {
    13: "rocky",
    14: "stein",
    15: "train",
    16: "ussuri",
    17: "victoria",
    18: "wallaby",
    19: "xena",
    20: "yoga",
    21: "zed",
    22: "antelope",  # 2023.1
    23: "bobcat",  # 2023.2
    24: "caracal",  # 2024.1
    25: "dalmatian",  # 2024.2
    26: "epoxy",  # 2025.1
}
RELEASES = tuple(MAJORS.values())

# Modules that follow that numbering and that the oci module's roles use; the
# others (cloudkitty 10, placement 8, vswitch 17 with zed) number their own way.
CORE_MODULES = ("openstacklib", "keystone", "nova", "neutron", "glance", "cinder", "heat")


class ReleaseError(Exception):
    """A module's metadata cannot be read or names an unknown version."""


def _module_dirs(search_path: Path | Sequence[Path], name: str) -> Path | None:
    entries = [search_path] if isinstance(search_path, Path) else list(search_path)
    for entry in entries:
        if (entry / name / "metadata.json").is_file():
            return entry / name
    return None


def module_versions(
    module_path: Path | Sequence[Path] = DEFAULT_MODULE_PATH,
) -> dict[str, str]:
    """``{module: version}`` of the core modules found on the path (first entry wins)."""
    versions: dict[str, str] = {}
    for name in CORE_MODULES:
        directory = _module_dirs(module_path, name)
        if directory is None:
            continue
        metadata = directory / "metadata.json"
        try:
            version = json.loads(metadata.read_text(encoding="utf-8"))["version"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReleaseError(f"{metadata}: no version ({exc})") from None
        if not isinstance(version, str):
            raise ReleaseError(f"{metadata}: version is not a string: {version!r}")
        versions[name] = version
    return versions


def release_of(version: str) -> str | None:
    """``21.0.0`` -> ``zed``; None for a major outside ``MAJORS``."""
    major = version.split(".", 1)[0]
    return MAJORS.get(int(major)) if major.isdigit() else None


def installed_releases(module_path: Path | Sequence[Path] = DEFAULT_MODULE_PATH) -> tuple[str, ...]:
    """The releases the installed core modules implement, oldest first: one name when
    the installation is consistent, none when no core module is there, several when
    modules of different releases are mixed (which no release can use)."""
    found = {release_of(v) for v in module_versions(module_path).values()}
    return tuple(r for r in RELEASES if r in found)


def problem(release: str, module_path: Path | Sequence[Path] = DEFAULT_MODULE_PATH) -> str | None:
    """Why ``release`` cannot be deployed with the modules on ``module_path``; None if it can."""
    try:
        versions = module_versions(module_path)
    except ReleaseError as exc:
        return str(exc)
    shown = ":".join(
        str(p) for p in ([module_path] if isinstance(module_path, Path) else module_path)
    )
    if not versions:
        return f"no OpenStack Puppet module ({', '.join(CORE_MODULES)}) in {shown}"
    by_release: dict[str | None, list[str]] = {}
    for name, version in versions.items():
        by_release.setdefault(release_of(version), []).append(f"{name} {version}")
    unknown = by_release.pop(None, None)
    if unknown:
        return (
            f"the Puppet modules in {shown} have versions oci does not map to a release: "
            f"{', '.join(unknown)} (known majors {min(MAJORS)}-{max(MAJORS)})"
        )
    if len(by_release) > 1:
        mixed = "; ".join(f"{r}: {', '.join(m)}" for r, m in by_release.items())
        return f"the Puppet modules in {shown} are of different OpenStack releases ({mixed})"
    ((installed, modules),) = by_release.items()
    if release == installed:
        return None
    if release not in RELEASES:
        return (
            f"unknown OpenStack release {release!r}; the Puppet modules in {shown} "
            f"implement {installed} ({', '.join(modules)})"
        )
    return (
        f"OpenStack release {release!r} does not match the Puppet modules in {shown}: "
        f"they implement {installed} ({', '.join(modules)}); only {installed} works"
    )


def check(release: str, module_path: Path | Sequence[Path] = DEFAULT_MODULE_PATH) -> None:
    """Raise `Invalid` naming the release that works when ``release`` is not the one the
    installed modules implement."""
    message = problem(release, module_path)
    if message is None:
        return
    try:
        installed = list(installed_releases(module_path))
    except ReleaseError:
        installed = []
    raise Invalid(message, {"release": release, "installed": installed})
