"""/api/v1/enc/<fqdn>: a node's Puppet ENC document, as YAML for ``oci-puppet-enc``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.api.endpoint import Access, endpoint
from oci.api.session import db, vault
from oci.enc import served
from oci.errors import NotFound
from oci.models import Machine

bp = Blueprint("enc", __name__)
TAG = "enc"
MEDIA_TYPE = "application/yaml"


@bp.get("/enc/<fqdn>")
@endpoint(
    "A node's ENC document (YAML: classes of puppet-module-oci with their parameters, "
    "parameters, environment); it holds the secrets of the node's role, so admins only. "
    "409 when the installed module would refuse it or cannot deploy the cluster's release",
    tag=TAG,
    access=Access.SECRET,
)
def show(fqdn: str) -> Response:
    response = Response(document_text(db(), fqdn), mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"  # secrets: never kept by a proxy
    return response


def document_text(session: Session, fqdn: str) -> str:
    """The node's document with this server's settings, PKI and module path."""
    settings = current_app.config["OCI_SETTINGS"]
    return served.text(
        session,
        fqdn,
        vault(),
        pki=current_app.extensions.get("oci_pki"),
        overrides_dir=settings.enc_overrides_dir,
        module_path=settings.effective_puppet_module_path,
        server=served.server_values(settings),
    )


@bp.get("/enc/<fqdn>/applied")
@endpoint(
    "The ENC document of the node's last successful Puppet run (YAML), as recorded when "
    "it reported puppet-success; 404 before any. Holds secrets: admins only",
    tag=TAG,
    access=Access.SECRET,
)
def applied(fqdn: str) -> Response:
    machine = db().scalar(select(Machine).where(Machine.hostname == fqdn))
    if machine is None:
        raise NotFound(f"no enrolled machine with host name {fqdn!r}")
    if machine.enc_applied is None:
        raise NotFound(f"no successful Puppet run of {fqdn} is recorded yet")
    response = Response(vault().decrypt(machine.enc_applied), mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response
