"""Every secret a cluster needs, generated once at cluster-create (pure, no database).

Values come from the operating system's cryptographically secure generator
(``secrets``, ``os.urandom``). They are stored encrypted (oci.security.vault) and shown
only to an admin who asks for them.
"""

from __future__ import annotations

import base64
import secrets
import string
import struct
import time
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# Services with a database account and a Keystone service user.
SERVICES = (
    "keystone",
    "nova",
    "neutron",
    "glance",
    "cinder",
    "placement",
    "heat",
    "swift",
    "barbican",
    "octavia",
    "magnum",
    "designate",
    "aodh",
    "gnocchi",
    "cloudkitty",
)
# Services that talk to RabbitMQ.
MESSAGING_SERVICES = tuple(s for s in SERVICES if s not in ("keystone", "swift", "placement"))
CEPH_KEYS = ("admin", "mon", "bootstrap_osd", "openstack")

_ALPHANUMERIC = string.ascii_letters + string.digits


def password(length: int = 32) -> str:
    """Letters and digits only: safe in every configuration file and URL."""
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def ceph_key() -> str:
    """A CephX key as ``ceph-authtool --gen-key`` writes it: a header, 16 random bytes."""
    header = struct.pack("<hiih", 1, int(time.time()), 0, 16)
    return base64.b64encode(header + secrets.token_bytes(16)).decode("ascii")


def ssh_key_pair(comment: str) -> tuple[str, str]:
    """(private key in OpenSSH format, public key line) of a new Ed25519 key."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return private, f"{public.decode('ascii')} {comment}"


def generate(cluster: str) -> dict[str, str]:
    """Every secret of cluster ``cluster``, by name."""
    values: dict[str, str] = {}
    for service in SERVICES:
        values[f"{service}_db_password"] = password()
        values[f"{service}_keystone_password"] = password()
    for service in MESSAGING_SERVICES:
        values[f"{service}_rabbitmq_password"] = password()
    values["keystone_admin_password"] = password()
    values["mysql_root_password"] = password()
    values["galera_sst_password"] = password()
    values["rabbitmq_erlang_cookie"] = "".join(
        secrets.choice(string.ascii_uppercase) for _ in range(20)
    )
    values["haproxy_stats_password"] = password()
    values["horizon_secret_key"] = password(64)
    values["metadata_proxy_shared_secret"] = password()
    values["ceph_fsid"] = str(uuid.uuid4())
    values["ceph_libvirt_secret_uuid"] = str(uuid.uuid4())
    for name in CEPH_KEYS:
        values[f"ceph_{name}_key"] = ceph_key()
    private, public = ssh_key_pair(f"nova@{cluster}")
    values["nova_ssh_private_key"] = private
    values["nova_ssh_public_key"] = public
    values["swift_hash_path_prefix"] = secrets.token_hex(16)
    values["swift_hash_path_suffix"] = secrets.token_hex(16)
    return values
