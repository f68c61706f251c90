"""oci-puppet-enc against a live server, and real Puppet compiling every role's document."""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from oci.security.vault import Vault
from tests.helpers import enc_clusters as ec
from tests.helpers import puppet
from tests.helpers.commands import BIN
from tests.helpers.database import Credentials
from tests.helpers.paths import REPO
from tests.helpers.server import LiveServer, free_port


def config(path: Path, url: str, token: str, mode: int = 0o600) -> Path:
    path.write_text(f'api_url = "{url}"\ntoken = "{token}"\ntimeout = 20\n')
    path.chmod(mode)
    return path


def run_enc(*args: str, env: dict[str, str] | None = None):
    import subprocess

    base = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    return subprocess.run(
        [str(BIN / "oci-puppet-enc"), *args],
        env=base | (env or {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def server_vault(live_server: LiveServer) -> Vault:
    return Vault.from_file(live_server.log.parent / "secret.key")


@pytest.fixture
def compute(live_server: LiveServer) -> str:
    with live_server.database.sessions() as s:
        ec.cluster(s, server_vault(live_server), "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
    return fqdn


def test_the_enc_command_prints_the_document(
    live_server: LiveServer, admin: Credentials, compute: str, tmp_path: Path
) -> None:
    cfg = config(tmp_path / "enc.toml", live_server.url, admin.token)
    expected = requests.get(
        f"{live_server.url}/api/v1/enc/{compute}", headers=admin.bearer, timeout=20
    ).text
    result = run_enc("--config", str(cfg), compute)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout == expected
    # The file can also be named by OCI_PUPPET_ENC_CONFIG (puppetserver passes no
    # environment: it uses /etc/oci/puppet-enc.toml).
    by_env = run_enc(compute, env={"OCI_PUPPET_ENC_CONFIG": str(cfg)})
    assert (by_env.returncode, by_env.stdout) == (0, expected)
    # The wrapper in puppet-enc/ runs the same program.
    import subprocess

    direct = subprocess.run(
        [str(REPO / "puppet-enc" / "oci-puppet-enc"), "--config", str(cfg), compute],
        env={"OCI_PYTHON": str(BIN / "python"), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (direct.returncode, direct.stdout) == (0, expected), direct.stderr


def failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_enc_command_fails_loudly(
    live_server: LiveServer, admin: Credentials, reader: Credentials, compute: str, tmp_path: Path
) -> None:
    cfg = config(tmp_path / "enc.toml", live_server.url, admin.token)
    line = failure(run_enc("--config", str(cfg), "nobody.example.com"))
    assert "no enrolled machine with host name 'nobody.example.com'" in line
    assert line.startswith("oci-puppet-enc: nobody.example.com: the oci server answered 404")

    wrong = config(tmp_path / "wrong.toml", live_server.url, "oci_not-a-token")
    assert "answered 401" in failure(run_enc("--config", str(wrong), compute))
    # A read-only user's token does not get secrets.
    weak = config(tmp_path / "weak.toml", live_server.url, reader.token)
    assert "answered 403" in failure(run_enc("--config", str(weak), compute))

    down = config(tmp_path / "down.toml", f"http://127.0.0.1:{free_port()}", admin.token)
    assert "cannot reach the oci server" in failure(run_enc("--config", str(down), compute))

    shared = config(tmp_path / "shared.toml", live_server.url, admin.token, mode=0o644)
    assert "readable by other users; chmod 600" in failure(
        run_enc("--config", str(shared), compute)
    )
    assert "cannot read the configuration file" in failure(
        run_enc("--config", str(tmp_path / "absent.toml"), compute)
    )
    typo = tmp_path / "typo.toml"
    typo.write_text(f'api_url = "{live_server.url}"\ntokn = "x"\n')
    typo.chmod(0o600)
    assert "unknown key(s) tokn" in failure(run_enc("--config", str(typo), compute))


# -- Real Puppet: Debian's puppet-module-oci and the OpenStack modules ------------------

needs_modules = pytest.mark.skipif(
    puppet.modules_available() is not None, reason=str(puppet.modules_available())
)


def enc_executable(directory: Path, cfg: Path) -> Path:
    """What puppet.conf's external_nodes names: oci-puppet-enc with its configuration."""
    script = directory / "enc"
    command = " ".join(shlex.quote(str(part)) for part in (BIN / "oci-puppet-enc", "--config", cfg))
    script.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
    script.chmod(0o755)
    return script


SELECT = puppet.Select(
    types=(
        "Class",
        "Package",
        "Nova_config",
        "Swift::Storage::Disk",
        "Cinder::Backend::Iscsi",
        "Ceph::Key",
        "Ssh_authorized_key",
    ),
    params=True,
)


@needs_modules
def test_the_reference_cluster_compiles_with_debian_modules(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    """Every node of the reference cluster (and its Swift-only partner), its document
    fetched through oci-puppet-enc from a live server, compiled and to_ral-validated by
    Puppet in one process with the Debian modules, a facts file per node from the
    inventory, private Puppet directories."""
    with live_server.database.sessions() as s:
        built = ec.reference(s, server_vault(live_server))
        addresses = ec.management_addresses(s)
    cfg = config(tmp_path / "enc.toml", live_server.url, admin.token)
    # The swift module's own fact: the file system UUID of each data disk, once formatted.
    facts = {
        fqdn: puppet.node_facts(
            fqdn,
            addresses[fqdn],
            extra={
                "swift_device_uuids": {
                    d: str(uuid.uuid5(uuid.NAMESPACE_DNS, fqdn + d)) for d in ("nvme0n1", "sdb")
                }
            },
        )
        for roles in built.values()
        for hosts in roles.values()
        for fqdn in hosts
    }
    overlay = tmp_path / "overlay"
    made = puppet.build_overlay(overlay)
    assert made.returncode == 0, made.stdout + made.stderr
    results = puppet.compile_nodes(
        tmp_path / "compile",
        enc_executable(tmp_path, cfg),
        facts,
        (overlay, puppet.DEBIAN_MODULES),
        SELECT,
    )
    failed = {name: r.error for name, r in results.items() if not r.ok}
    assert failed == {}
    cl1 = built["cl1"]
    for fqdn in cl1["controller"]:
        result = results[fqdn]
        assert result.has("Class", "Keystone"), fqdn
        assert result.has("Class", "Nova::Api"), fqdn
        assert result.resource_count > 2000, (fqdn, result.resource_count)
    gpu = results[cl1["compute"][0]]
    assert gpu.has("Package", "nova-compute")
    alias = gpu.find("Nova_config", "pci/alias")
    assert alias is not None and alias.params is not None
    aliases = str(alias.params.get("value"))
    assert '"name":"t4"' in aliases.replace(" ", "") and '"name":"a100"' in aliases.replace(" ", "")
    plain = results[cl1["compute"][1]].find("Nova_config", "pci/alias")
    assert plain is not None and plain.params == {
        "value": "<SERVICE DEFAULT>",
        "notify": ["Anchor[nova::config::end]"],
    }
    for fqdn in cl1["cephosd"]:
        assert results[fqdn].has("Ceph::Key", "client.bootstrap-osd"), fqdn
    # Swift stores hand the machine's data disks (not the system disk sda) to Swift.
    for fqdn in cl1["swiftstore"] + built["swift1"]["swiftstore"]:
        disks = sorted(r.title for r in results[fqdn].resources if r.type == "Swift::Storage::Disk")
        assert disks == ["nvme0n1", "sdb"], fqdn
    for fqdn in cl1["volume"]:
        assert results[fqdn].has("Cinder::Backend::Iscsi", "LVM_1"), fqdn
    # Every compute trusts every compute's root key (OCI's authorized_keys_hash).
    prefix = "oci-auto-authorized-keys-hash-"
    keys = [r.title for r in results[cl1["compute"][1]].resources if r.title.startswith(prefix)]
    assert sorted(keys) == sorted(prefix + fqdn for fqdn in cl1["compute"])


@needs_modules
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("misnamed", "has no parameter named 'cluster'"),
        ("key_with_type", "Key must not contain whitespace"),
    ],
)
def test_a_misnamed_parameter_or_a_wrong_key_shape_fails_the_compile(
    live_server: LiveServer, admin: Credentials, tmp_path: Path, damage: str, message: str
) -> None:
    with live_server.database.sessions() as s:
        ec.cluster(s, server_vault(live_server), "cl1")
        ec.enrol(s, "cl1", "controller", 1)
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
        addresses = ec.management_addresses(s)
    text = requests.get(f"{live_server.url}/api/v1/enc/{fqdn}", headers=admin.bearer, timeout=20)
    document = yaml.safe_load(text.text)
    good = puppet.compile_nodes(
        tmp_path / "good",
        puppet.enc_script(tmp_path / "good-enc", {fqdn: document}),
        {fqdn: puppet.node_facts(fqdn, addresses[fqdn])},
    )
    assert good[fqdn].ok, good[fqdn].error
    if damage == "misnamed":
        document["classes"]["oci::compute"]["cluster"] = "cl1"
    else:
        keys = document["classes"]["oci::generic"]["authorized_keys_hash"]
        for host, body in keys.items():
            keys[host] = f"ssh-rsa {body} root@{host}"
    bad = puppet.compile_nodes(
        tmp_path / "bad",
        puppet.enc_script(tmp_path / "bad-enc", {fqdn: document}),
        {fqdn: puppet.node_facts(fqdn, addresses[fqdn])},
    )
    assert not bad[fqdn].ok
    assert message in str(bad[fqdn].error)


def test_ocicli_shows_documents_and_sets_the_enc_options(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    from tests.helpers.cli import clean_env
    from tests.helpers.commands import Command

    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home) | {"OCI_API_URL": live_server.url, "OCI_API_TOKEN": admin.token}
    cli = Command("ocicli", env, quiet=True)
    with live_server.database.sessions() as s:
        vault = server_vault(live_server)
        ec.cluster(s, vault, "swift1", 2, public_role=None)
        ec.cluster(s, vault, "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "controller", 1)
        s.commit()
    options = cli.json(
        "cluster-set", "cl1", "--remote-swift-cluster", "swift1", "--bgp-to-the-host", "yes",
        "--bgp-asn-base", "4210000000",
    )  # fmt: skip
    assert options["remote_swift_cluster"] == "swift1"
    assert (options["bgp_to_the_host"], options["bgp_asn_base"]) == (True, 4_210_000_000)
    shown = cli("enc-show", fqdn)
    assert (
        shown
        == requests.get(
            f"{live_server.url}/api/v1/enc/{fqdn}", headers=admin.bearer, timeout=20
        ).text
    )
    assert "glance_backend: swift" in shown
    assert "bgp_to_the_host: true" in shown
    assert "no enrolled machine" in cli.fails("enc-show", "nobody.example.com")
    # --diff: what the next Puppet run changes since the last successful one.
    assert "no successful Puppet run" in cli.fails("enc-show", fqdn, "--diff")
    for status in ("installing", "installed", "firstboot", "puppet-running", "puppet-success"):
        requests.post(
            f"{live_server.url}/api/v1/machines/{fqdn}/status",
            json={"status": status},
            headers=admin.bearer,
            timeout=20,
        ).raise_for_status()
    # Its own success ends the initial set-up (the only controller is done): the one
    # change the next run brings.
    changes = [
        line
        for line in cli("enc-show", fqdn, "--diff").splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    assert changes == ["-    initial_cluster_setup: true", "+    initial_cluster_setup: false"]
    cli("cluster-set", "cl1", "--region-name", "Paris")
    diff = cli("enc-show", fqdn, "--diff")
    assert f"--- {fqdn} at its last successful Puppet run" in diff
    assert "-    region_name: RegionOne" in diff
    assert "+    region_name: Paris" in diff
    assert "no cluster named 'nope'" in cli.fails(
        "cluster-set", "cl1", "--remote-swift-cluster", "nope"
    )
