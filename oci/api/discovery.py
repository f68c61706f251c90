"""/api/v1/discovery: where the agent on a booting server sends its report."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, g, request, url_for
from pydantic import Field

from oci.api.auth import source_is_trusted
from oci.api.common import Output
from oci.api.endpoint import Access, endpoint, raw_body
from oci.enrolment import automation
from oci.errors import BadRequest, Invalid
from oci.ingest.archive import MalformedUpload, ReportRejected, unpack_report
from oci.ingest.checks import FactsRejected, check_facts, check_files
from oci.ingest.facts import Facts
from oci.ingest.report import parse_report
from oci.inventory import machines as inventory

bp = Blueprint("discovery", __name__)
TAG = "discovery"
log = logging.getLogger(__name__)

REPORT_MEDIA_TYPES = ("application/gzip", "application/x-gzip")


class ReportMachine(Output):
    id: int
    serial: str | None
    url: str


class ReportOut(Output):
    machine: ReportMachine
    created: bool = Field(description="This report made the machine known")
    stored: bool = Field(
        description="The raw report was kept (it changed something, or the last kept one is old)"
    )
    changes: list[str] = Field(description="Hardware changes since the last report")
    problems: list[str] = Field(description="Tools that failed and files the server could not read")
    enrolment: list[str] = Field(
        default_factory=list, description="What hands-free enrolment did after this report"
    )


@bp.post("/discovery/reports")
@endpoint(
    "Send a discovery report: a gzip tar of raw tool outputs (see oci-agent)",
    tag=TAG,
    access=Access.TRUSTED,
    response=ReportOut,
    upload=REPORT_MEDIA_TYPES[0],
)
def post_report() -> tuple[dict[str, Any], int]:
    archive = raw_body(*REPORT_MEDIA_TYPES)
    try:
        files = unpack_report(archive)
    except MalformedUpload as exc:
        raise BadRequest(f"report refused: {exc}") from exc
    except ReportRejected as exc:
        raise Invalid(f"report refused: {exc}") from exc
    try:
        check_files(files)  # before parsing: a flood of DIMMs costs seconds to parse
    except FactsRejected as exc:
        raise Invalid(f"report refused: {exc}") from exc
    return accept_report(archive, files, parse_report(files), "tar")


def accept_report(
    raw: bytes, files: Mapping[str, str], facts: Facts, report_format: str
) -> tuple[dict[str, Any], int]:
    """Check a parsed report, record it and answer: every report format's one way in."""
    try:
        check_facts(facts)
    except FactsRejected as exc:
        raise Invalid(f"report refused: {exc}") from exc
    caller = g.get("caller")
    upload = inventory.Upload(
        raw,
        files,
        facts,
        source=request.remote_addr,
        sender=caller.login if caller is not None else None,
        # A reader's credentials let a report in; only these may re-pin SSH host keys.
        vouched=source_is_trusted() or (caller is not None and caller.is_admin),
        format=report_format,
    )
    sessions = current_app.extensions["oci_sessionmaker"]
    outcome = inventory.apply_report(sessions, upload)
    log.info(
        "%s report from %s: machine %s (%s)%s",
        report_format,
        request.remote_addr,
        outcome.machine_id,
        outcome.serial,
        " created" if outcome.created else "",
    )
    steps: list[str] = []
    try:
        steps = automation.enrol_if_ready(
            sessions, outcome.machine_id, current_app.config["OCI_SETTINGS"]
        )
    except Exception:
        # The report is recorded; the policy failing must not make the agent resend it.
        log.exception("hands-free enrolment of machine %s failed", outcome.machine_id)
    out = ReportOut(
        machine=ReportMachine(
            id=outcome.machine_id,
            serial=outcome.serial,
            url=url_for("machines.show", key=outcome.serial or str(outcome.machine_id)),
        ),
        created=outcome.created,
        stored=outcome.stored,
        changes=[change.message for change in outcome.changes],
        problems=inventory.report_problems(facts),
        enrolment=steps,
    )
    return out.model_dump(mode="json"), 201 if outcome.created else 200
