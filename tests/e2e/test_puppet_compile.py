"""Debian's puppet-module-oci and zed modules compile what an OCI-shaped ENC sends.

The documents come from docs/research/puppet-module-oci/gen_enc.py (hand-made
after OCI 42.2.5's enc.php: 3 controllers, 2 computes), with a throwaway PKI
made here; the compiler is tests/helpers/compile_catalogs.rb (many nodes in
one Ruby process, private Puppet directories, never Facter or this host's
Puppet). Also: the overlay of puppet-enc/ (the two controller clashes of
docs/research/puppet-module-oci.md section 3), and oci.enc.interface against
Puppet's own parser.
"""

from __future__ import annotations

import copy
import datetime
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from oci.enc import interface
from tests.helpers import puppet
from tests.helpers.paths import REPO

_why = puppet.modules_available()
pytestmark = pytest.mark.skipif(_why is not None, reason=_why or "")

RESEARCH = REPO / "docs" / "research" / "puppet-module-oci"
# OCI's variables.json (the options enc.php appends to the role class), from OCI's own
# package: without it some parameters without a default stay undef, and
# oci::controller's split($api_rate_limit_whitelist) refuses to compile.
OCI_PACKAGE = "openstack-cluster-installer=42.2.5"
VARIABLES = Path("/var/cache/oci-tests/oci-42.2.5/variables.json")
COMPUTE = "c1-compute-1.example.com"
CONTROLLER = "c1-controller-1.example.com"  # the first master
IPS = {
    "c1-controller-1": "192.168.101.11",
    "c1-controller-2": "192.168.101.12",
    "c1-controller-3": "192.168.101.13",
    "c1-compute-1": "192.168.101.21",
    "c1-compute-2": "192.168.101.22",
}


def make_pki(directory: Path) -> None:
    """The files gen_enc.py reads: one TLS key and certificate for every PEM it sends,
    one RSA key pair in OpenSSH formats for every SSH key."""
    directory.mkdir(parents=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oci test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    files = {
        "oci-ca-chain.pem": cert_pem,
        "oci-ca.pem": cert_pem,
        "root-ca.pem": cert_pem,
        "api.crt": cert_pem,
        "api.csr": csr.public_bytes(serialization.Encoding.PEM),
        "api.key": key_pem,
        "api.pem": cert_pem + key_pem,
    }
    for host in IPS:
        files |= {
            f"{host}.key": key_pem,
            f"{host}.crt": cert_pem,
            f"{host}_client.key": key_pem,
            f"{host}_client.crt": cert_pem,
            f"{host}_client.pem": cert_pem + key_pem,
        }
    ssh = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = ssh.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = ssh.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    for user in [*IPS, "nova", "keystone", "glance"]:
        files[f"ssh-{user}"] = private
        files[f"ssh-{user}.pub"] = public + f" root@{user}\n".encode()
    for file, data in files.items():
        (directory / file).write_bytes(data)


def oci_variables() -> Path:
    """OCI 42.2.5's variables.json, downloaded once from the Debian archive and kept."""
    if VARIABLES.exists():
        return VARIABLES
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            ["apt-get", "download", OCI_PACKAGE], cwd=scratch, check=True, capture_output=True
        )
        (deb,) = Path(scratch).glob("openstack-cluster-installer_*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), f"{scratch}/x"], check=True)
        found = Path(scratch, "x/usr/share/openstack-cluster-installer/variables.json")
        VARIABLES.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, VARIABLES)
    return VARIABLES


def research_documents(workdir: Path, *options: str) -> dict[str, dict[str, Any]]:
    """gen_enc.py's documents (certname -> {"classes": ...}), run on a copy that reads
    the PKI made here (and variables.json when the research scratch has it)."""
    pki = workdir / "pki"
    if not pki.exists():
        make_pki(pki)
    source = (RESEARCH / "gen_enc.py").read_text()
    for old, new in [
        ("PKI = '/tmp/enc-research/pki'", f"PKI = {str(pki)!r}"),
        (
            "VARIABLES = json.load(open('/tmp/enc-research/pkgs/usr/share/"
            "openstack-cluster-installer/variables.json'))",
            f"VARIABLES = json.load(open({str(oci_variables())!r}))",
        ),
    ]:
        assert old in source, f"gen_enc.py changed: no {old!r}"
        source = source.replace(old, new)
    script = workdir / "gen_enc.py"
    script.write_text(source)
    out = workdir / ("enc" + "".join(options).replace("-", "_"))
    subprocess.run(
        [sys.executable, str(script), str(out), str(workdir / "gen-facts"), *options],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return {
        f"{host}.example.com": yaml.safe_load((out / f"{host}.example.com.yaml").read_text())
        for host in IPS
    }


def facts_of(certname: str, host: str) -> dict[str, Any]:
    return puppet.node_facts(certname, IPS[host])


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return research_documents(tmp_path_factory.mktemp("gen-enc"))


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("overlay") / "puppet-overlay"
    built = puppet.build_overlay(target)
    assert built.returncode == 0, built.stderr
    return target


def test_the_research_documents_fit_the_installed_interface(
    documents: dict[str, dict[str, Any]],
) -> None:
    module = interface.load(puppet.DEBIAN_MODULES)
    for document in documents.values():
        assert module.check(document["classes"]) == []


@pytest.mark.slow
def test_a_compute_and_a_controller_compile_and_bad_values_fail_naming_them(
    tmp_path: Path, documents: dict[str, dict[str, Any]]
) -> None:
    misnamed = copy.deepcopy(documents[COMPUTE])
    misnamed["classes"]["oci::compute"]["cluster"] = "c1"
    bad_key = copy.deepcopy(documents[COMPUTE])
    keys = bad_key["classes"]["oci::generic"]["authorized_keys_hash"]
    for fqdn, body in keys.items():
        keys[fqdn] = f"ssh-rsa {body} root@{fqdn}"
    docs = {
        COMPUTE: documents[COMPUTE],
        CONTROLLER: documents[CONTROLLER],
        "misnamed.example.com": misnamed,
        "badkey.example.com": bad_key,
    }
    enc = puppet.enc_script(tmp_path / "enc", docs)
    facts = {
        COMPUTE: facts_of(COMPUTE, "c1-compute-1"),
        CONTROLLER: facts_of(CONTROLLER, "c1-controller-1"),
        "misnamed.example.com": facts_of("misnamed.example.com", "c1-compute-1"),
        "badkey.example.com": facts_of("badkey.example.com", "c1-compute-1"),
    }
    results = puppet.compile_nodes(
        tmp_path,
        enc,
        facts,
        select=puppet.Select(
            types=("Package", "Nova_config", "Keystone_config", "Class", "Ssh_authorized_key")
        ),
    )

    compute = results[COMPUTE]
    assert compute.ok, compute.error
    assert compute.resource_count > 500 and compute.ral_count >= compute.resource_count
    assert compute.has("Package", "nova-compute")
    assert compute.has("Class", "Oci::Compute")
    sent = documents[COMPUTE]["classes"]["oci::compute"]
    for title, value in [
        ("vnc/server_proxyclient_address", IPS["c1-compute-1"]),
        ("libvirt/live_migration_inbound_addr", COMPUTE),
        ("placement/password", sent["pass_placement_authtoken"]),
        ("DEFAULT/cpu_allocation_ratio", 16.0),
    ]:
        config = compute.find("Nova_config", title)
        assert config is not None and config.params is not None, title
        assert config.params["value"] == value, title
    assert compute.has("Ssh_authorized_key")

    controller = results[CONTROLLER]
    assert controller.ok, controller.error
    assert controller.resource_count > 2000
    assert controller.has("Class", "Keystone")
    assert controller.has("Package", "keystone")
    assert any(r.type == "Keystone_config" for r in controller.resources)

    failed = results["misnamed.example.com"]
    assert not failed.ok and failed.phase == "compile"
    # oci.enc.interface says what Puppet says
    (message,) = interface.load(puppet.DEBIAN_MODULES).check(misnamed["classes"])
    assert message == "Class[Oci::Compute]: has no parameter named 'cluster'"
    assert failed.error is not None and message in failed.error

    rejected = results["badkey.example.com"]
    assert not rejected.ok and rejected.phase == "to_ral", rejected.error
    assert rejected.error is not None
    assert "Key must not contain whitespace: ssh-rsa AAAA" in rejected.error
    assert "Ssh_authorized_key[oci-auto-authorized-keys-hash-" in rejected.error


@pytest.mark.slow
def test_the_overlay_lets_a_controller_with_ceph_and_no_messaging_nodes_compile(
    tmp_path: Path, overlay: Path
) -> None:
    documents = research_documents(tmp_path / "gen", "--ceph")
    enc = puppet.enc_script(tmp_path / "enc", {CONTROLLER: documents[CONTROLLER]})
    facts = {CONTROLLER: facts_of(CONTROLLER, "c1-controller-1")}
    select = puppet.Select(types=("Gnocchi_config", "Cloudkitty_config"))

    without = puppet.compile_nodes(tmp_path / "debian", enc, facts, select=select)[CONTROLLER]
    assert not without.ok
    assert without.error is not None
    assert "Class[Gnocchi::Metricd]: has no parameter named 'cleanup_delay'" in without.error

    result = puppet.compile_nodes(
        tmp_path / "overlay", enc, facts, (overlay, puppet.DEBIAN_MODULES), select
    )[CONTROLLER]
    assert result.ok, result.error
    delay = result.find("Gnocchi_config", "metricd/metric_cleanup_delay")
    assert delay is not None and delay.params is not None and delay.params["value"] == 20
    url = result.find("Cloudkitty_config", "orchestrator/coordination_url")
    assert url is not None and url.params is not None
    assert str(url.params["value"]).startswith("zookeeper://")


def test_the_overlay_is_a_symlink_farm_with_the_two_patched_files(overlay: Path) -> None:
    assert sorted(p.name for p in overlay.iterdir()) == [
        ".oci-puppet-overlay",
        "cloudkitty",
        "gnocchi",
    ]
    real = sorted(
        str(p.relative_to(overlay))
        for p in overlay.rglob("*")
        if p.is_file() and not p.is_symlink() and p.name != ".oci-puppet-overlay"
    )
    assert real == ["cloudkitty/manifests/orchestrator.pp", "gnocchi/manifests/metricd.pp"]
    link = overlay / "gnocchi" / "metadata.json"
    assert link.is_symlink()
    assert str(link.readlink()) == str(puppet.DEBIAN_MODULES / "gnocchi" / "metadata.json")
    assert (
        "cleanup_delay"
        in interface.parse_classes((overlay / "gnocchi" / "manifests" / "metricd.pp").read_text())[
            0
        ][1]
    )


def test_a_patch_that_no_longer_applies_fails_and_keeps_the_overlay(tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    for name in ("gnocchi", "cloudkitty"):
        (modules / name).mkdir(parents=True)
        for item in (puppet.DEBIAN_MODULES / name).iterdir():
            (modules / name / item.name).symlink_to(item)
    target = tmp_path / "overlay"
    assert puppet.build_overlay(target, modules).returncode == 0
    before = (target / ".oci-puppet-overlay").read_text()

    # Debian's gnocchi changes the lines the patch touches
    manifests = modules / "gnocchi" / "manifests"
    manifests.unlink()
    manifests.mkdir()
    for item in (puppet.DEBIAN_MODULES / "gnocchi" / "manifests").iterdir():
        (manifests / item.name).symlink_to(item)
    metricd = manifests / "metricd.pp"
    text = metricd.read_text().replace("$metric_cleanup_delay;", "$metric_cleanup_delay_v2;")
    metricd.unlink()
    metricd.write_text(text)

    failed = puppet.build_overlay(target, modules)
    assert failed.returncode == 1
    assert "gnocchi-metricd.patch no longer applies to" in failed.stderr
    assert "module gnocchi 21.0.0" in failed.stderr
    assert "The overlay in" in failed.stderr and "is unchanged" in failed.stderr
    assert (target / ".oci-puppet-overlay").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["modules", "overlay"]  # no leftovers

    check = subprocess.run(
        ["sh", str(puppet.OVERLAY_COMMAND), "--check", "--modules", str(modules)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1 and "no longer applies" in check.stderr

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    refused = puppet.build_overlay(foreign)
    assert refused.returncode == 1
    assert "was not made by oci-puppet-overlay: refusing to replace it" in refused.stderr


def test_the_interface_reader_agrees_with_puppets_parser(tmp_path: Path) -> None:
    manifests = sorted((puppet.DEBIAN_MODULES / "oci" / "manifests").rglob("*.pp"))
    by_puppet = puppet.parameters_by_puppet(tmp_path, manifests)
    ours = interface.load(puppet.DEBIAN_MODULES).classes
    assert {name: set(params) for name, params in by_puppet.items()} == {
        name: set(params) for name, params in ours.items()
    }
    ordered = {
        name: params
        for name, params in interface.parse_classes(
            (puppet.DEBIAN_MODULES / "oci" / "manifests" / "controller.pp").read_text()
        )
    }
    assert ordered["oci::controller"] == by_puppet["oci::controller"]


def test_the_overlay_command_is_shellcheck_clean() -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("no shellcheck (scripts/apt-packages installs it)")
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(puppet.OVERLAY_COMMAND)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
