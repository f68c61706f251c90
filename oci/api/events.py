"""/api/v1/events and a machine's kept reports: what discovery saw happen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload

from oci.api.common import ListQuery, Output, Page, paginate
from oci.api.endpoint import endpoint
from oci.api.machines import find_machine
from oci.api.session import db
from oci.errors import NotFound
from oci.models import DiscoveryReport, MachineEvent

bp = Blueprint("events", __name__)
TAG = "events"


class EventQuery(ListQuery):
    machine: str | None = Field(None, description="Serial, host name, UUID or id of a machine")
    kind: str | None = Field(None, description="disk-added, gpu-removed, identity-conflict, ...")


class EventOut(Output):
    id: int
    created_at: datetime
    machine_id: int
    serial: str | None
    kind: str
    message: str
    details: dict[str, Any]


class ReportOut(Output):
    id: int
    received_at: datetime
    source: str | None
    size_bytes: int
    sha256: str
    format: str = Field(
        "tar", description="tar: our agent's gzip tar; oci-json: OCI's agent's JSON"
    )
    problems: list[str]


def _event(event: MachineEvent) -> EventOut:
    return EventOut(
        id=event.id,
        created_at=event.created_at,
        machine_id=event.machine_id,
        serial=event.machine.serial,
        kind=event.kind,
        message=event.message,
        details=event.details,
    )


@bp.get("/events")
@endpoint("List machine events, newest first", tag=TAG, query=EventQuery, response=Page[EventOut])
def list_events(query: EventQuery) -> Page[EventOut]:
    session = db()
    stmt = select(MachineEvent).options(joinedload(MachineEvent.machine))
    if query.machine is not None:
        stmt = stmt.where(MachineEvent.machine_id == find_machine(session, query.machine).id)
    if query.kind is not None:
        stmt = stmt.where(MachineEvent.kind == query.kind)
    return paginate(session, stmt.order_by(MachineEvent.id.desc()), query, _event)


@bp.get("/machines/<key>/reports")
@endpoint(
    "List the raw discovery reports kept for a machine, newest first",
    tag=TAG,
    query=ListQuery,
    response=Page[ReportOut],
)
def list_reports(key: str, query: ListQuery) -> Page[ReportOut]:
    session = db()
    machine = find_machine(session, key)
    stmt = (
        select(DiscoveryReport)
        .options(defer(DiscoveryReport.archive))  # listing, not downloading
        .where(DiscoveryReport.machine_id == machine.id)
        .order_by(DiscoveryReport.id.desc())
    )
    return paginate(
        session, stmt, query, lambda row: ReportOut.model_validate(row, from_attributes=True)
    )


@bp.get("/machines/<key>/reports/<int:report_id>")
@endpoint(
    "Download one raw report as received: a gzip tar (replay it with oci-agent), "
    "or OCI's agent's JSON",
    tag=TAG,
)
def get_report(key: str, report_id: int) -> Response:
    session = db()
    machine = find_machine(session, key)
    report = session.scalar(
        select(DiscoveryReport).where(
            DiscoveryReport.id == report_id, DiscoveryReport.machine_id == machine.id
        )
    )
    if report is None:
        raise NotFound(f"machine {key!r} has no kept report {report_id}")
    json_body = report.format == "oci-json"
    suffix = "json" if json_body else "tar.gz"
    name = f"report-{machine.serial or machine.id}-{report.id}.{suffix}"
    return Response(
        report.archive,
        mimetype="application/json" if json_body else "application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'},
    )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


__all__ = ["bp"]
