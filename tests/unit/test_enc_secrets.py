"""Cluster secrets in OCI's names and formats, and the class parameters that read them."""

from __future__ import annotations

import base64
import re
import struct
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from oci.enc import secrets as enc_secrets
from oci.enrolment import secrets
from oci.errors import Conflict

MANIFESTS = Path("/usr/share/puppet/modules/oci/manifests")
# A class header: `class oci::name (` ... `) {`; its parameters are `$name = default,` lines.
HEADER = re.compile(
    r"^class\s+(oci::[\w:]+)\s*\((.*?)^\s*\)\s*(?:inherits\s+\S+\s*)?\{", re.M | re.S
)
SECRET_PARAMETER = re.compile(r"^\s*\$(pass_\w+|ceph_\w+_key|ceph_fsid|ceph_libvirtuuid)\b", re.M)
DECODED = re.compile(r"base64\('decode',\s*\$(\w+)\)")


def manifest_texts() -> dict[Path, str]:
    if not MANIFESTS.is_dir():
        pytest.skip("puppet-module-oci is not installed (scripts/apt-packages)")
    return {path: path.read_text() for path in sorted(MANIFESTS.rglob("*.pp"))}


def secret_parameters_by_class() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for text in manifest_texts().values():
        for header in HEADER.finditer(text):
            names = set(SECRET_PARAMETER.findall(header.group(2)))
            if names:
                found[header.group(1)] = names
    return found


def fake_clear() -> dict[str, str]:
    return secrets.generate()


def test_oci_names_are_the_87_of_ocis_enc() -> None:
    assert len(secrets.OCI_SECRETS) == 87
    assert len({name.split("/")[0] for name in secrets.OCI_SECRETS}) == 26
    for name in (
        "nova/db",
        "nova/messaging",
        "nova/authtoken",
        "keystone/fernetkey1",
        "ceph/fsid",
        "octavia/heatbeatkey",
        "designate/rndckey",
        "zabbix/authtoken",
        "panko/db",
    ):
        assert name in secrets.OCI_SECRETS
    assert len(secrets.STORED_NAMES) == 90  # three key pairs stored as two values each
    assert set(secrets.generate()) == set(secrets.STORED_NAMES)


def test_every_secret_parameter_of_every_class_is_in_the_table() -> None:
    by_class = secret_parameters_by_class()
    # The role classes and oci::generic at least: the regex found the headers.
    assert {"oci::controller", "oci::compute", "oci::generic", "oci::swiftstore"} <= set(by_class)
    declared = set().union(*by_class.values())
    known = set(enc_secrets.SECRET_PARAMETERS) | set(enc_secrets.ROOT_KEY_PARAMETERS)
    assert declared - known == set(), "class parameters with no secret"
    assert known - declared == set(), "table entries no class declares"
    assert len(enc_secrets.SECRET_PARAMETERS) == 90


def test_the_module_decodes_exactly_the_parameters_we_encode() -> None:
    decoded = {
        name
        for text in manifest_texts().values()
        for name in DECODED.findall(text)
        if name in enc_secrets.SECRET_PARAMETERS or name in enc_secrets.ROOT_KEY_PARAMETERS
    }
    clear = fake_clear()
    encoded = {
        name
        for name, entry in enc_secrets.SECRET_PARAMETERS.items()
        if entry.value(clear[entry.secret]) == _b64(clear[entry.secret])
    }
    assert decoded == encoded | {"pass_root_ssh_priv"}
    assert encoded == {"pass_nova_ssh_priv", "pass_glance_ssh_priv", "pass_keystone_ssh_priv"}


def test_every_stored_secret_feeds_exactly_one_parameter() -> None:
    used = [entry.secret for entry in enc_secrets.SECRET_PARAMETERS.values()]
    assert sorted(used) == list(secrets.STORED_NAMES)


@pytest.mark.parametrize(
    ("parameter", "secret"),
    [
        ("pass_nova_db", "nova/db"),
        ("pass_nova_apidb", "nova/apidb"),
        ("pass_keystone_credkey1", "keystone/credential1"),
        ("pass_keystone_fernkey2", "keystone/fernetkey2"),
        ("pass_metadata_proxy_shared_secret", "novaneutron/shared_secret"),
        ("pass_gnocchi_rscuuid", "gnocchi/uuid"),
        ("pass_redis", "redis/redis"),
        ("pass_octavia_heatbeatkey", "octavia/heatbeatkey"),
        ("pass_heat_keystone_domain", "heat/keystone_domain"),
        ("ceph_fsid", "ceph/fsid"),
        ("ceph_libvirtuuid", "ceph/libvirtuuid"),
        ("ceph_admin_key", "ceph/adminkey"),
        ("ceph_openstack_key", "ceph/openstackkey"),
        ("ceph_mon_key", "ceph/monkey"),
        ("ceph_mgr_key", "ceph/mgrkey"),
        ("ceph_bootstrap_osd_key", "ceph/bootstraposdkey"),
        ("pass_nova_ssh_pub", "nova/ssh_pub"),
        ("pass_glance_ssh_priv", "glance/ssh_priv"),
    ],
)
def test_ocis_naming_exceptions(parameter: str, secret: str) -> None:
    assert enc_secrets.SECRET_PARAMETERS[parameter].secret == secret


def test_formats() -> None:
    values = secrets.generate()
    for name, fmt in secrets.OCI_SECRETS.items():
        if fmt == "hex":
            assert re.fullmatch(r"[0-9a-f]{64}", values[name]), name
        elif fmt == "uuid":
            assert uuid.UUID(values[name]).version == 4, name
        elif fmt == "base64":
            assert len(base64.b64decode(values[name], validate=True)) == 32, name
        elif fmt == "cephx":
            raw = base64.b64decode(values[name], validate=True)
            assert len(raw) == 28, name
            kind, _seconds, _nanoseconds, length = struct.unpack("<hiih", raw[:12])
            assert (kind, length) == (1, 16), name
        else:
            assert fmt == "ssh"
    assert {n for n, f in secrets.OCI_SECRETS.items() if f == "uuid"} == {
        "ceph/fsid",
        "ceph/libvirtuuid",
        "gnocchi/uuid",
    }
    assert {n for n, f in secrets.OCI_SECRETS.items() if f == "base64"} == {
        "keystone/credential1",
        "keystone/credential2",
        "designate/rndckey",
    }
    for service in ("nova", "glance", "keystone"):
        assert_rsa_pair(values[f"{service}/ssh_priv"], values[f"{service}/ssh_pub"])


def assert_rsa_pair(private: str, body: str) -> None:
    assert " " not in body and "\n" not in body
    assert private.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    key = serialization.load_ssh_private_key(private.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert line.decode() == f"ssh-rsa {body}"


def test_values_differ_between_calls() -> None:
    first, second = secrets.generate(), secrets.generate()
    assert all(first[name] != second[name] for name in secrets.STORED_NAMES)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_transforms() -> None:
    clear = fake_clear()
    got = enc_secrets.parameters(enc_secrets.SECRET_PARAMETERS, clear)
    assert got["pass_nova_db"] == clear["nova/db"]
    fernet = got["pass_keystone_fernkey1"]
    assert fernet == _b64(clear["keystone/fernetkey1"][:32])
    assert len(base64.urlsafe_b64decode(fernet)) == 32  # a Fernet key's size
    assert got["pass_keystone_credkey2"] == clear["keystone/credential2"]
    assert got["pass_nova_ssh_pub"] == clear["nova/ssh_pub"]
    assert base64.b64decode(got["pass_keystone_ssh_priv"]).decode() == clear["keystone/ssh_priv"]
    assert got["ceph_mgr_key"] == clear["ceph/mgrkey"]


def test_unknown_parameters_are_ignored() -> None:
    params = ["pass_nova_db", "machine_hostname", "ceph_mon_host"]
    assert enc_secrets.secrets_needed(params) == {"nova/db"}
    assert enc_secrets.parameters(params, {"nova/db": "x"}) == {"pass_nova_db": "x"}
    assert enc_secrets.secrets_needed(["pass_glance_ssh_priv", "pass_glance_ssh_pub"]) == {
        "glance/ssh_priv",
        "glance/ssh_pub",
    }


def test_a_missing_secret_is_a_conflict_naming_it() -> None:
    clear = fake_clear()
    del clear["nova/authtoken"], clear["ceph/fsid"]
    with pytest.raises(Conflict) as raised:
        enc_secrets.parameters(["pass_nova_authtoken", "ceph_fsid", "pass_nova_db"], clear)
    assert raised.value.details == {"missing_secrets": ["ceph/fsid", "nova/authtoken"]}
    assert "ceph/fsid, nova/authtoken" in raised.value.message
    # A parameter not asked for does not need its secret.
    assert enc_secrets.parameters(["pass_nova_db"], clear) == {"pass_nova_db": clear["nova/db"]}


def test_root_key_parameters() -> None:
    private, body = secrets.rsa_key_pair()
    assert_rsa_pair(private, body)
    got = enc_secrets.root_key_parameters(private, body)
    assert got == {"pass_root_ssh_pub": body, "pass_root_ssh_priv": _b64(private)}


def test_missing_lists_oci_names_and_half_pairs() -> None:
    stored = set(secrets.STORED_NAMES) - {"panko/db", "nova/ssh_pub"}
    assert secrets.missing(stored) == ("nova/ssh", "panko/db")
    assert secrets.missing(set(secrets.STORED_NAMES)) == ()
