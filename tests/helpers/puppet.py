"""Real Puppet (Debian's `puppet`) compiling what an ENC describes, never against this host.

`compile_nodes()` compiles and validates (``catalog.to_ral``) the catalogs
of many nodes in one Ruby process (tests/helpers/compile_catalogs.rb): private
Puppet directories under a work directory, a pinned module path (the overlay
first), facts from a YAML file per node (`node_facts()`, `write_facts()`:
Debian 13 facts from plain data, no Facter), the node's classes from an ENC
executable (`enc_script()` makes a stand-in that prints given documents).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.paths import REPO

DEBIAN_MODULES = Path("/usr/share/puppet/modules")
COMPILER = Path(__file__).with_name("compile_catalogs.rb")
OVERLAY_COMMAND = REPO / "puppet-enc" / "oci-puppet-overlay"


def modules_available() -> str | None:
    """Why Debian's modules cannot be compiled here (None when they can)."""
    if shutil.which("ruby") is None or shutil.which("puppet") is None:
        return "puppet is not installed (scripts/apt-packages)"
    for name in ("oci", "nova", "systemd", "firewall", "sshkeys_core"):
        if not (DEBIAN_MODULES / name).is_dir():
            return f"the Puppet module {name} is not installed (scripts/apt-packages)"
    return None


# --- many nodes in one process ------------------------------------------------


class _NoAliases(yaml.SafeDumper):
    """Puppet's safe YAML loader refuses aliases: write shared objects out in full."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_NoAliases, default_flow_style=False, sort_keys=False)


def node_facts(
    fqdn: str,
    ip: str,
    *,
    processors: int = 16,
    memory_mb: int = 65536,
    puppet_version: str = "8.10.0",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The facts a Debian 13 (trixie) amd64 machine reports, from plain data, with the
    custom facts openstacklib and swift read (os_service_default, os_workers...)."""
    hostname, _, domain = fqdn.partition(".")
    release = {"full": "13.1", "major": "13", "minor": "1"}
    workers = max(2, processors // 2)
    facts: dict[str, Any] = {
        "os": {
            "family": "Debian",
            "name": "Debian",
            "architecture": "amd64",
            "hardware": "x86_64",
            "release": dict(release),
            "distro": {
                "codename": "trixie",
                "id": "Debian",
                "description": "Debian GNU/Linux 13 (trixie)",
                "release": dict(release),
            },
            "selinux": {"enabled": False},
        },
        "osfamily": "Debian",
        "operatingsystem": "Debian",
        "operatingsystemmajrelease": "13",
        "operatingsystemrelease": "13.1",
        "lsbdistcodename": "trixie",
        "lsbdistid": "Debian",
        "lsbdistrelease": "13.1",
        "lsbmajdistrelease": "13",
        "kernel": "Linux",
        "kernelversion": "6.12.48",
        "kernelmajversion": "6.12",
        "kernelrelease": "6.12.48+deb13-amd64",
        "architecture": "amd64",
        "hardwaremodel": "x86_64",
        "fqdn": fqdn,
        "hostname": hostname,
        "domain": domain,
        "networking": {"fqdn": fqdn, "hostname": hostname, "domain": domain, "ip": ip},
        "ipaddress": ip,
        "path": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "root_home": "/root",
        "memorysize": f"{memory_mb / 1024:.2f} GiB",
        "memorysize_mb": float(memory_mb),
        "memory": {"system": {"total_bytes": memory_mb * 1024 * 1024}},
        "processorcount": processors,
        "processors": {"count": processors, "physicalcount": 1},
        "puppetversion": puppet_version,
        "clientversion": puppet_version,
        "is_virtual": False,
        "virtual": "physical",
        "os_service_default": "<SERVICE DEFAULT>",
        "os_workers": workers,
        "os_workers_small": max(2, workers // 2),
        "os_workers_large": processors,
        "os_workers_heat_engine": max(2, workers // 2),
        "os_workers_keystone": workers,
        "swift_device_uuids": {},
        "swift_commented_fstab_entries": {},
        "service_provider": "systemd",
        "systemd": True,
    }
    facts.update(extra or {})
    return facts


def write_facts(directory: Path, certname: str, values: Mapping[str, Any]) -> Path:
    """``directory/CERTNAME.yaml`` as Puppet's yaml facts terminus reads it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{certname}.yaml"
    body = dump_yaml({"name": certname, "values": dict(values)})
    path.write_text("--- !ruby/object:Puppet::Node::Facts\n" + body)
    return path


def enc_script(directory: Path, documents: Mapping[str, Mapping[str, Any]]) -> Path:
    """An ENC stand-in for node_terminus=exec: prints ``documents[certname]`` as YAML
    (a document is ``{"classes": {...}}``, as an ENC answers); unknown node: exit 1."""
    directory.mkdir(parents=True, exist_ok=True)
    for certname, document in documents.items():
        (directory / f"{certname}.yaml").write_text(dump_yaml(dict(document)))
    script = directory / "enc"
    quoted = shlex.quote(str(directory))
    script.write_text(
        "#!/bin/sh\n"
        f'[ -f {quoted}/"$1".yaml ] || {{ echo "no document for $1" >&2; exit 1; }}\n'
        f'exec cat {quoted}/"$1".yaml\n'
    )
    script.chmod(0o755)
    return script


@dataclass(frozen=True)
class Select:
    """Which resources of each catalog come back (with their parameters when ``params``):
    those of ``types`` (any case) whose titles start with one of ``titles`` (either empty:
    any; both empty: none)."""

    types: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    params: bool = True


@dataclass(frozen=True)
class Resource:
    type: str  # as Puppet writes it: Package, Nova_config, Class
    title: str
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class Result:
    certname: str
    ok: bool
    error: str | None = None
    phase: str | None = None  # where it failed: "compile" or "to_ral"
    resource_count: int = 0  # resources in the compiled catalog
    ral_count: int = 0  # resources after to_ral
    compile_seconds: float = 0.0
    to_ral_seconds: float = 0.0
    resources: tuple[Resource, ...] = ()
    warnings: tuple[str, ...] = field(default=(), repr=False)

    def find(self, type_: str, title: str) -> Resource | None:
        for resource in self.resources:
            if resource.type.lower() == type_.lower() and resource.title == title:
                return resource
        return None

    def has(self, type_: str, title: str | None = None) -> bool:
        return any(
            r.type.lower() == type_.lower() and (title is None or r.title == title)
            for r in self.resources
        )


def compile_nodes(
    workdir: Path,
    enc_executable: Path,
    facts: Mapping[str, Mapping[str, Any]],
    module_path: Sequence[Path] = (DEBIAN_MODULES,),
    select: Select | None = None,
    *,
    log_level: str = "warning",
    timeout: float = 1200,
) -> dict[str, Result]:
    """Compile and ``to_ral``-validate the catalog of every node of ``facts`` (certname ->
    fact values) in one Ruby process, in the order given; certname -> Result.

    ``workdir`` gets the private Puppet directories (conf, var, code, log, run) and the
    facts files. The ENC is ``enc_executable CERTNAME`` (node_terminus=exec).
    """
    base = workdir / "puppet"
    for name in ("conf", "var", "code", "log", "run"):
        (base / name).mkdir(parents=True, exist_ok=True)
    (base / "conf" / "puppet.conf").write_text("")
    # Keep /etc/puppet/hiera.yaml out: hiera with no hierarchy.
    (base / "conf" / "hiera.yaml").write_text("---\nversion: 5\nhierarchy: []\n")
    (base / "code" / "environments" / "production" / "manifests").mkdir(parents=True, exist_ok=True)
    for certname, values in facts.items():
        write_facts(base / "var" / "yaml" / "facts", certname, values)
    chosen = select or Select()
    output = workdir / "catalogs.jsonl"
    output.unlink(missing_ok=True)
    spec = {
        "base": str(base),
        "module_path": ":".join(str(p) for p in module_path),
        "enc": str(enc_executable),
        "certnames": list(facts),
        "output": str(output),
        "select": {
            "types": list(chosen.types),
            "titles": list(chosen.titles),
            "params": chosen.params,
        },
        "log_level": log_level,
    }
    spec_file = workdir / "compile-spec.json"
    spec_file.write_text(json.dumps(spec))
    process = subprocess.run(
        ["ruby", str(COMPILER), str(spec_file)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_environment(),
    )
    results: dict[str, Result] = {}
    if output.exists():
        for line in output.read_text().splitlines():
            result = _result(json.loads(line))
            results[result.certname] = result
    for certname in facts:
        if certname not in results:
            tail = (process.stdout + process.stderr)[-3000:]
            results[certname] = Result(
                certname,
                ok=False,
                error=f"no result: the compiler exited {process.returncode}: {tail}",
            )
    return results


def parameters_by_puppet(workdir: Path, manifests: Sequence[Path]) -> dict[str, list[str]]:
    """The class parameters of ``manifests`` as Puppet's own parser reads them."""
    output = workdir / "parameters.json"
    spec_file = workdir / "parameters-spec.json"
    base = workdir / "puppet"
    base.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(
        json.dumps(
            {
                "mode": "parameters",
                "base": str(base),
                "files": [str(m) for m in manifests],
                "output": str(output),
            }
        )
    )
    subprocess.run(
        ["ruby", str(COMPILER), str(spec_file)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env=_environment(),
    )
    parsed: dict[str, list[str]] = json.loads(output.read_text())
    return parsed


def build_overlay(target: Path, modules: Path = DEBIAN_MODULES) -> subprocess.CompletedProcess[str]:
    """Run puppet-enc/oci-puppet-overlay into ``target``."""
    return subprocess.run(
        ["sh", str(OVERLAY_COMMAND), "--modules", str(modules), str(target)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _environment() -> dict[str, str]:
    # Only what Ruby needs: no RUBYOPT or PUPPET_* of the caller.
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.setdefault("LANG", "C.UTF-8")
    env["HOME"] = os.environ.get("HOME", "/nonexistent")
    return env


def _result(data: dict[str, Any]) -> Result:
    return Result(
        certname=data["certname"],
        ok=bool(data["ok"]),
        error=data.get("error"),
        phase=data.get("phase"),
        resource_count=int(data.get("resource_count") or 0),
        ral_count=int(data.get("ral_count") or 0),
        compile_seconds=float(data.get("compile_s") or 0.0),
        to_ral_seconds=float(data.get("to_ral_s") or 0.0),
        resources=tuple(
            Resource(r["type"], r["title"], r.get("params")) for r in data.get("resources", [])
        ),
        warnings=tuple(data.get("warnings", [])),
    )
