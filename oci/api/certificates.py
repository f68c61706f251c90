"""/api/v1/machines/<key>/certificate and /clusters/<name>/api-certificate:
the public half of what the cluster PKI issued (never a key)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from pydantic import Field
from sqlalchemy.orm import Session

from oci.api.common import Output
from oci.api.endpoint import endpoint
from oci.api.session import db, pki
from oci.enrolment.clusters import by_name
from oci.errors import NotFound
from oci.inventory import machines as inventory
from oci.models import Cluster
from oci.security.pki import CertificateInfo

bp = Blueprint("certificates", __name__)
TAG = "pki"


class CertificateOut(Output):
    subject: str
    issuer: str
    serial_number: str = Field(description="Hexadecimal")
    not_before: datetime
    not_after: datetime
    dns_names: list[str]
    ip_addresses: list[str]
    sha256: str
    pem: str
    chain_pem: str = Field(description="The intermediate and root CA certificates")


def _out(cert: CertificateInfo, chain: str) -> CertificateOut:
    return CertificateOut(
        subject=cert.subject,
        issuer=cert.issuer,
        serial_number=f"{cert.serial_number:x}",
        not_before=cert.not_before,
        not_after=cert.not_after,
        dns_names=list(cert.dns_names),
        ip_addresses=list(cert.ip_addresses),
        sha256=cert.sha256,
        pem=cert.pem,
        chain_pem=chain,
    )


@bp.get("/machines/<key>/certificate")
@endpoint(
    "Show a machine's node certificate (issued at machine-add)", tag=TAG, response=CertificateOut
)
def machine_certificate(key: str) -> CertificateOut:
    machine = inventory.machine_by_key(db(), key)
    the_pki = pki()
    cert = the_pki.node_certificate(machine.hostname) if machine.hostname else None
    if cert is None:
        raise NotFound(f"machine {key!r} has no certificate: it gets one at machine-add")
    return _out(cert, the_pki.chain_path.read_text())


def _cluster(session: Session, name: str) -> Cluster:
    return by_name(session, Cluster, name, "cluster")


@bp.get("/clusters/<name>/api-certificate")
@endpoint("Show a cluster's API (VIP) certificate", tag=TAG, response=CertificateOut)
def api_certificate(name: str) -> CertificateOut:
    cluster = _cluster(db(), name)
    the_pki = pki()
    cert = the_pki.api_certificate(cluster.name)
    if cert is None:
        raise NotFound(
            f"cluster {name!r} has no API certificate yet: oci pki api-cert {name} issues one"
        )
    chain_path = the_pki.api_paths(cluster.name)[2]
    return _out(cert, chain_path.read_text())
