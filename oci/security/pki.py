"""The cluster PKI: a root CA, an intermediate, node and API certificates.

Everything lives under `<data_dir>/pki` (directories 0700, keys 0600) and
never in the database. The root signs only the intermediate; the
intermediate signs node certificates (server and client auth, SANs for the
host name and every address) issued at machine-add, and each cluster's API
certificate for its VIP host name, unless the operator supplied one. Keys
leave the server only in a node's own bundle (the installer's business).

Layout:
  pki/root-ca.{crt,key}  pki/intermediate-ca.{crt,key}  pki/ca-chain.crt
  pki/nodes/<fqdn>.{crt,key}  pki/api/<cluster>.{crt,key,chain.crt}
"""

from __future__ import annotations

import datetime
import fcntl
import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from oci.errors import Invalid

__all__ = ["CertificateInfo", "Pki"]

ROOT_DAYS = 20 * 365
INTERMEDIATE_DAYS = 10 * 365
LEAF_DAYS = 2 * 365
_FQDN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
PrivateKey = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial_number: int
    not_before: datetime.datetime
    not_after: datetime.datetime
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    sha256: str
    pem: str


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _key() -> PrivateKey:
    # ECDSA P-256: what every OpenStack service and browser accepts, and fast
    # enough to issue hundreds at machine-add time.
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "oci"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` readable by its owner only, replacing atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def _pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def info(cert: x509.Certificate) -> CertificateInfo:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        dns, ips = (), ()
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        dns_names=dns,
        ip_addresses=ips,
        sha256=cert.fingerprint(hashes.SHA256()).hex(":"),
        pem=_pem(cert).decode(),
    )


class Pki:
    def __init__(self, root: Path) -> None:
        self.root = root

    # --- the two CAs --------------------------------------------------------

    @property
    def chain_path(self) -> Path:
        return self.root / "ca-chain.crt"

    def _dir(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
        return path

    def ensure(self) -> None:
        """Create the root CA and the intermediate on first use."""
        if (self.root / "intermediate-ca.crt").exists():
            return
        self._dir()
        # Server workers may all meet their first machine-add at once: one makes the CAs.
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (self.root / "intermediate-ca.crt").exists():
                self._create_cas()

    def _create_cas(self) -> None:
        now = _now()
        root_key = _key()
        root = (
            x509.CertificateBuilder()
            .subject_name(_name("oci root CA"))
            .issuer_name(_name("oci root CA"))
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=ROOT_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
            .sign(root_key, hashes.SHA256())
        )
        inter_key = _key()
        inter = (
            x509.CertificateBuilder()
            .subject_name(_name("oci intermediate CA"))
            .issuer_name(root.subject)
            .public_key(inter_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=INTERMEDIATE_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(inter_key.public_key()), False)
            .add_extension(_authority_key_id(root), False)
            .sign(root_key, hashes.SHA256())
        )
        _write_private(self.root / "root-ca.key", _pem_key(root_key))
        (self.root / "root-ca.crt").write_bytes(_pem(root))
        _write_private(self.root / "intermediate-ca.key", _pem_key(inter_key))
        self.chain_path.write_bytes(_pem(inter) + _pem(root))
        # Written last: its presence says the CAs are complete.
        (self.root / "intermediate-ca.crt").write_bytes(_pem(inter))

    def _intermediate(self) -> tuple[x509.Certificate, PrivateKey]:
        self.ensure()
        cert = x509.load_pem_x509_certificate((self.root / "intermediate-ca.crt").read_bytes())
        key = serialization.load_pem_private_key(
            (self.root / "intermediate-ca.key").read_bytes(), password=None
        )
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cert, key

    # --- leaves -------------------------------------------------------------

    def _issue(
        self, fqdn: str, addresses: Iterable[str], usages: list[x509.ObjectIdentifier]
    ) -> tuple[x509.Certificate, PrivateKey]:
        if not _FQDN.match(fqdn):
            raise Invalid(f"{fqdn!r} is not a host name a certificate can name")
        ips = [ipaddress.ip_address(a) for a in addresses]
        issuer, issuer_key = self._intermediate()
        key = _key()
        now = _now()
        san = x509.SubjectAlternativeName([x509.DNSName(fqdn)] + [x509.IPAddress(ip) for ip in ips])
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(fqdn))
            .issuer_name(issuer.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_encipherment=False,
                    content_commitment=False,
                    data_encipherment=False,
                    key_agreement=True,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(san, critical=False)
            .add_extension(_authority_key_id(issuer), critical=False)
            .sign(issuer_key, hashes.SHA256())
        )
        return cert, key

    def node_paths(self, fqdn: str) -> tuple[Path, Path]:
        directory = self.root / "nodes"
        return directory / f"{fqdn}.crt", directory / f"{fqdn}.key"

    def issue_node(self, fqdn: str, addresses: Iterable[str]) -> CertificateInfo:
        """(Re)issue the node certificate of `fqdn`: server and client auth."""
        usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        cert, key = self._issue(fqdn, addresses, usages)
        self._dir("nodes")
        crt_path, key_path = self.node_paths(fqdn)
        _write_private(key_path, _pem_key(key))
        crt_path.write_bytes(_pem(cert))
        return info(cert)

    def node_certificate(self, fqdn: str) -> CertificateInfo | None:
        crt_path, _ = self.node_paths(fqdn)
        if not crt_path.exists():
            return None
        return info(x509.load_pem_x509_certificate(crt_path.read_bytes()))

    def forget_node(self, fqdn: str) -> None:
        for path in self.node_paths(fqdn):
            path.unlink(missing_ok=True)

    def api_paths(self, cluster: str) -> tuple[Path, Path, Path]:
        directory = self.root / "api"
        return (
            directory / f"{cluster}.crt",
            directory / f"{cluster}.key",
            directory / f"{cluster}.chain.crt",
        )

    def issue_api(self, cluster: str, hostname: str, addresses: Iterable[str]) -> CertificateInfo:
        """The cluster's API certificate for its VIP host name, from our CA."""
        cert, key = self._issue(hostname, addresses, [ExtendedKeyUsageOID.SERVER_AUTH])
        self._store_api(cluster, _pem(cert), _pem_key(key), self.chain_path.read_bytes())
        return info(cert)

    def install_api(
        self, cluster: str, cert_pem: bytes, key_pem: bytes, chain_pem: bytes = b""
    ) -> CertificateInfo:
        """An operator-supplied API certificate: its key must match it."""
        try:
            cert = x509.load_pem_x509_certificate(cert_pem)
            key = serialization.load_pem_private_key(key_pem, password=None)
        except ValueError as exc:
            raise Invalid(f"not a PEM certificate and unencrypted private key: {exc}") from exc
        public = serialization.PublicFormat.SubjectPublicKeyInfo
        encoding = serialization.Encoding.DER
        if key.public_key().public_bytes(encoding, public) != cert.public_key().public_bytes(
            encoding, public
        ):
            raise Invalid("the private key does not belong to the certificate")
        self._store_api(cluster, cert_pem, key_pem, chain_pem)
        return info(cert)

    def api_certificate(self, cluster: str) -> CertificateInfo | None:
        crt_path = self.api_paths(cluster)[0]
        if not crt_path.exists():
            return None
        return info(x509.load_pem_x509_certificate(crt_path.read_bytes()))

    def _store_api(self, cluster: str, cert: bytes, key: bytes, chain: bytes) -> None:
        self._dir("api")
        crt_path, key_path, chain_path = self.api_paths(cluster)
        _write_private(key_path, key)
        chain_path.write_bytes(chain)
        crt_path.write_bytes(cert)


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        key_encipherment=False,
        content_commitment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
