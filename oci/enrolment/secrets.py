"""Every secret a cluster needs, under OCI's names and in OCI's formats (pure, no database).

Debian's ``puppet-module-oci`` is fed by an ENC that keeps one row per secret,
named ``service/type`` (``nova/db``, ``nova/messaging``, ``nova/authtoken``,
``keystone/fernetkey1``, ``ceph/fsid``...). ``OCI_SECRETS`` lists those 87
names with the format of each; ``generate()`` makes them all. An SSH key pair
(``nova/ssh``, ``glance/ssh``, ``keystone/ssh``) is stored as two values,
``<service>/ssh_priv`` (the OpenSSH private key text) and ``<service>/ssh_pub``
(the public key body: no ``ssh-rsa`` prefix, no comment), so a cluster stores
``len(STORED_NAMES)`` = 90 values. ``oci.enc.secrets`` maps class parameters to
these names.

Values come from the operating system's cryptographically secure generator
(``secrets``, ``os.urandom``). They are stored encrypted (oci.security.vault)
and shown only to an admin who asks for them.
"""

from __future__ import annotations

import base64
import secrets
import struct
import time
import uuid
from collections.abc import Mapping
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

Format = Literal["hex", "cephx", "uuid", "base64", "ssh"]

# RSA because the module declares every key it is given as type ssh-rsa
# (oci::generic's root key, nova's migration key, glance's and keystone's
# replication keys). 2048 bits: what ssh-keygen made before OpenSSH 8.0, and
# fast enough to make one per machine at enrolment.
RSA_BITS = 2048

# service -> the types OCI's ENC reads; everything not in _FORMATS is "hex".
_TYPES: dict[str, tuple[str, ...]] = {
    "haproxy": ("stats",),
    "mysql": ("rootuser", "backup"),
    "rabbitmq": ("cookie", "monitoring"),
    "keystone": (
        "adminuser",
        "db",
        "messaging",
        "credential1",
        "credential2",
        "fernetkey1",
        "fernetkey2",
        "ssh",
    ),
    "glance": ("db", "messaging", "authtoken", "ssh"),
    "nova": ("db", "apidb", "messaging", "authtoken", "ssh"),
    "novaneutron": ("shared_secret",),
    "placement": ("db", "authtoken"),
    "cinder": ("db", "messaging", "authtoken"),
    "neutron": ("db", "messaging", "authtoken", "vrrpauth"),
    "heat": ("encryptkey", "db", "messaging", "authtoken", "keystone_domain"),
    "swift": ("authtoken", "messaging", "hashpathsuffix", "hashpathprefix", "encryption"),
    "horizon": ("secretkey",),
    "barbican": ("db", "messaging", "authtoken"),
    "ceph": (
        "fsid",
        "libvirtuuid",
        "adminkey",
        "openstackkey",
        "monkey",
        "mgrkey",
        "bootstraposdkey",
    ),
    "ceilometer": ("db", "messaging", "authtoken", "telemetry"),
    "gnocchi": ("db", "messaging", "authtoken", "uuid"),
    "panko": ("db", "messaging", "authtoken"),
    "cloudkitty": ("db", "messaging", "authtoken"),
    "redis": ("redis",),
    "aodh": ("db", "messaging", "authtoken"),
    # "heatbeatkey" (sic): the name OCI's ENC reads.
    "octavia": ("db", "messaging", "authtoken", "heatbeatkey"),
    "magnum": ("db", "messaging", "authtoken", "domain"),
    "manila": ("db", "messaging", "authtoken"),
    "designate": ("db", "messaging", "authtoken", "rndckey"),
    "zabbix": ("authtoken",),
}

_FORMATS: dict[str, Format] = {
    "ceph/fsid": "uuid",
    "ceph/libvirtuuid": "uuid",
    "gnocchi/uuid": "uuid",
    "ceph/adminkey": "cephx",
    "ceph/openstackkey": "cephx",
    "ceph/monkey": "cephx",
    "ceph/mgrkey": "cephx",
    "ceph/bootstraposdkey": "cephx",
    "keystone/credential1": "base64",
    "keystone/credential2": "base64",
    "designate/rndckey": "base64",
    "nova/ssh": "ssh",
    "glance/ssh": "ssh",
    "keystone/ssh": "ssh",
}

# OCI's secret name -> its format: the 87 names of OCI's ENC.
OCI_SECRETS: Mapping[str, Format] = {
    f"{service}/{kind}": _FORMATS.get(f"{service}/{kind}", "hex")
    for service, kinds in _TYPES.items()
    for kind in kinds
}

SSH_PRIVATE = "ssh_priv"
SSH_PUBLIC = "ssh_pub"


def stored_names(name: str) -> tuple[str, ...]:
    """The stored names of OCI secret ``name``: two for a key pair, else itself."""
    if OCI_SECRETS.get(name) == "ssh":
        service = name.split("/", 1)[0]
        return (f"{service}/{SSH_PRIVATE}", f"{service}/{SSH_PUBLIC}")
    return (name,)


# Every name a cluster stores, sorted: the 87 OCI secrets, key pairs as two.
STORED_NAMES: tuple[str, ...] = tuple(
    sorted(stored for name in OCI_SECRETS for stored in stored_names(name))
)


def hex_secret() -> str:
    """OCI's default: 32 random bytes as 64 lower-case hex digits."""
    return secrets.token_hex(32)


def base64_secret() -> str:
    """32 random bytes in base64 (Keystone credential keys, Designate's rndc key)."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def ceph_key() -> str:
    """A CephX key as ``ceph-authtool --gen-print-key`` writes it: a header, 16 random bytes.

    The header is le16 type (1, AES), le32 seconds, le32 nanoseconds, le16 length (16)."""
    header = struct.pack("<hiih", 1, int(time.time()), 0, 16)
    return base64.b64encode(header + secrets.token_bytes(16)).decode("ascii")


def rsa_key_pair() -> tuple[str, str]:
    """(private key in OpenSSH format, public key body) of a new RSA key.

    The body is the base64 blob alone: what the module puts after ``ssh-rsa``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode("ascii")
    line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return private, line.decode("ascii").split(" ")[1]


def make(name: str) -> dict[str, str]:
    """A new value of OCI secret ``name``, by stored name (two for a key pair)."""
    fmt = OCI_SECRETS[name]
    if fmt == "ssh":
        private, public = rsa_key_pair()
        private_name, public_name = stored_names(name)
        return {private_name: private, public_name: public}
    if fmt == "uuid":
        value = str(uuid.uuid4())
    elif fmt == "cephx":
        value = ceph_key()
    elif fmt == "base64":
        value = base64_secret()
    else:
        value = hex_secret()
    return {name: value}


def generate() -> dict[str, str]:
    """Every secret of a new cluster, by stored name (``STORED_NAMES``)."""
    values: dict[str, str] = {}
    for name in OCI_SECRETS:
        values.update(make(name))
    return values


def missing(stored: set[str] | frozenset[str]) -> tuple[str, ...]:
    """The OCI secrets a cluster storing ``stored`` lacks (a key pair lacking either half)."""
    return tuple(
        name for name in OCI_SECRETS if not all(part in stored for part in stored_names(name))
    )
