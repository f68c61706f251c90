"""/api/v1/enc/<fqdn>: a node's Puppet ENC document, as YAML for ``oci-puppet-enc``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from oci.api.endpoint import Access, endpoint
from oci.api.session import db, vault
from oci.enc import document, loader

bp = Blueprint("enc", __name__)
TAG = "enc"
MEDIA_TYPE = "application/yaml"


@bp.get("/enc/<fqdn>")
@endpoint(
    "A node's ENC document (YAML: classes, parameters, environment); it holds the "
    "secrets of the node's role, so admins only",
    tag=TAG,
    access=Access.SECRET,
)
def show(fqdn: str) -> Response:
    snapshot = loader.load(db(), fqdn, vault())
    overrides_dir = current_app.config["OCI_SETTINGS"].enc_overrides_dir
    text = document.dump(document.build(snapshot, overrides_dir))
    response = Response(text, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"  # secrets: never kept by a proxy
    return response
