"""/oci/report.php: where the live image of OCI (openstack-cluster-installer)
posts its agent's report, so that images already on a site's PXE server keep
working. Outside /api/v1 because the agent's URL is fixed; the same trust
rule, size bound, checks and write path as /api/v1/discovery/reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from oci.api.discovery import ReportOut, accept_report
from oci.api.endpoint import Access, endpoint, raw_body
from oci.errors import BadRequest, Invalid
from oci.ingest.archive import MalformedUpload, ReportRejected
from oci.ingest.oci_json import parse_oci_report

bp = Blueprint("oci_report", __name__)
TAG = "discovery"
# OCI's agent says application/json; PHP read the body whatever the type, and
# curl -d without a header sends it as a form.
MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded")


@bp.post("/oci/report.php")
@endpoint(
    "Send a report from OCI's own live agent (its JSON, every value a string)",
    tag=TAG,
    access=Access.TRUSTED,
    response=ReportOut,
    upload=MEDIA_TYPES[0],
)
def post_oci_report() -> tuple[dict[str, Any], int]:
    body = raw_body(*MEDIA_TYPES)
    try:
        files, facts = parse_oci_report(body)
    except MalformedUpload as exc:
        raise BadRequest(f"report refused: {exc}") from exc
    except ReportRejected as exc:
        raise Invalid(f"report refused: {exc}") from exc
    return accept_report(body, files, facts, "oci-json")


__all__ = ["bp"]
