"""Which cluster secret each class parameter of puppet-module-oci takes, and how (pure).

``SECRET_PARAMETERS`` is the table of every secret-valued parameter of the
module's classes (``pass_*``, ``ceph_*``), from the 90 values a cluster stores
(``oci.enrolment.secrets.STORED_NAMES``). A parameter is named
``pass_<service>_<type>`` after secret ``<service>/<type>``, except:

- ``keystone/credentialN`` -> ``pass_keystone_credkeyN``;
- ``keystone/fernetkeyN`` -> ``pass_keystone_fernkeyN``, the base64 of the
  first 32 characters of the hex secret (a Fernet key is 32 bytes in base64);
- ``novaneutron/shared_secret`` -> ``pass_metadata_proxy_shared_secret``;
- ``gnocchi/uuid`` -> ``pass_gnocchi_rscuuid``; ``redis/redis`` -> ``pass_redis``;
- the Ceph ones -> ``ceph_fsid``, ``ceph_libvirtuuid``, ``ceph_admin_key``,
  ``ceph_openstack_key``, ``ceph_mon_key``, ``ceph_mgr_key``, ``ceph_bootstrap_osd_key``;
- a key pair ``<service>/ssh`` -> ``pass_<service>_ssh_pub`` (the public key
  body) and ``pass_<service>_ssh_priv`` (the base64 of the OpenSSH private key:
  the module decodes it).

The per-machine root key (``oci::generic``'s ``pass_root_ssh_pub`` and
``pass_root_ssh_priv``) is not a cluster secret: ``root_key_parameters``.

Which parameters a node gets is the role builders' business: they ask
``secrets_needed`` what to decrypt and ``parameters`` for the values.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from oci.enrolment.secrets import OCI_SECRETS, SSH_PRIVATE, SSH_PUBLIC
from oci.errors import Conflict


def _as_is(value: str) -> str:
    return value


def _base64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def _fernet_key(value: str) -> str:
    """OCI's Fernet key from a 64-hex secret: its first 32 characters, in base64."""
    return _base64(value[:32])


@dataclass(frozen=True)
class SecretParameter:
    """A class parameter's secret (a stored name) and how its value is made from it."""

    secret: str
    transform: Callable[[str], str] = _as_is

    def value(self, clear: str) -> str:
        return self.transform(clear)


# secret name -> parameter name, where it is not pass_<service>_<type>.
_RENAMED: dict[str, str] = {
    "keystone/credential1": "pass_keystone_credkey1",
    "keystone/credential2": "pass_keystone_credkey2",
    "keystone/fernetkey1": "pass_keystone_fernkey1",
    "keystone/fernetkey2": "pass_keystone_fernkey2",
    "novaneutron/shared_secret": "pass_metadata_proxy_shared_secret",
    "gnocchi/uuid": "pass_gnocchi_rscuuid",
    "redis/redis": "pass_redis",
    "ceph/fsid": "ceph_fsid",
    "ceph/libvirtuuid": "ceph_libvirtuuid",
    "ceph/adminkey": "ceph_admin_key",
    "ceph/openstackkey": "ceph_openstack_key",
    "ceph/monkey": "ceph_mon_key",
    "ceph/mgrkey": "ceph_mgr_key",
    "ceph/bootstraposdkey": "ceph_bootstrap_osd_key",
}
_TRANSFORMED: dict[str, Callable[[str], str]] = {
    "keystone/fernetkey1": _fernet_key,
    "keystone/fernetkey2": _fernet_key,
}


def _table() -> dict[str, SecretParameter]:
    table: dict[str, SecretParameter] = {}
    for name, fmt in OCI_SECRETS.items():
        service, kind = name.split("/", 1)
        if fmt == "ssh":
            table[f"pass_{service}_ssh_pub"] = SecretParameter(f"{service}/{SSH_PUBLIC}")
            table[f"pass_{service}_ssh_priv"] = SecretParameter(f"{service}/{SSH_PRIVATE}", _base64)
            continue
        parameter = _RENAMED.get(name, f"pass_{service}_{kind}")
        table[parameter] = SecretParameter(name, _TRANSFORMED.get(name, _as_is))
    return dict(sorted(table.items()))


# Parameter name -> its secret and transform: every secret-valued parameter of the
# module's classes but oci::generic's root key.
SECRET_PARAMETERS: Mapping[str, SecretParameter] = _table()

# oci::generic's parameters filled from the machine's root key pair.
ROOT_KEY_PARAMETERS = ("pass_root_ssh_pub", "pass_root_ssh_priv")


def secrets_needed(params: Iterable[str]) -> frozenset[str]:
    """The stored secret names the parameters ``params`` read; other parameters are ignored."""
    return frozenset(SECRET_PARAMETERS[p].secret for p in params if p in SECRET_PARAMETERS)


def parameters(params: Iterable[str], clear: Mapping[str, str]) -> dict[str, str]:
    """The values of the secret-valued parameters among ``params``, from the cluster's
    decrypted secrets ``clear`` (stored name -> value); other parameters are ignored.

    Raises Conflict naming the secrets ``clear`` lacks: a cluster made before a
    secret existed, or a row lost. ``oci db upgrade`` adds what is missing."""
    wanted = sorted({p for p in params if p in SECRET_PARAMETERS})
    missing = sorted({SECRET_PARAMETERS[p].secret for p in wanted} - clear.keys())
    if missing:
        raise Conflict(
            f"the cluster has no secret {', '.join(missing)}; no document was made "
            "(`oci db upgrade` adds the secrets a cluster lacks)",
            {"missing_secrets": missing},
        )
    return {p: SECRET_PARAMETERS[p].value(clear[SECRET_PARAMETERS[p].secret]) for p in wanted}


def root_key_parameters(private: str, public_body: str) -> dict[str, str]:
    """oci::generic's root key parameters from a machine's root key pair: the public key
    body as it is, the OpenSSH private key in base64 (the module decodes it)."""
    return {"pass_root_ssh_pub": public_body, "pass_root_ssh_priv": _base64(private)}
