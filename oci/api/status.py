"""/api/v1/machines/<key>/status: where a node reports its lifecycle (installer,
first boot, Puppet), and where an admin may move it."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, g, request
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from oci.api.common import Input, Output
from oci.api.enc import document_text
from oci.api.endpoint import Access, endpoint
from oci.api.session import vault, write
from oci.errors import Forbidden, NotFound, OciError
from oci.inventory import status as machine_status
from oci.inventory.machines import machine_by_key
from oci.models import MachineStatus

bp = Blueprint("status", __name__)
TAG = "machines"


class StatusIn(Input):
    status: MachineStatus
    message: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="A word on why, kept in the event (e.g. the installer's last line)"
    )


class StatusOut(Output):
    serial: str | None
    hostname: str | None
    status: MachineStatus


@bp.post("/machines/<key>/status")
@endpoint(
    "Move a machine along its lifecycle (installing -> installed -> firstboot -> puppet-*); "
    "a node without credentials may move only itself",
    tag=TAG,
    access=Access.TRUSTED,
    body=StatusIn,
    response=StatusOut,
)
def set_status(key: str, body: StatusIn) -> StatusOut:
    caller = g.get("caller")
    # Credentials: any state an admin asks for. None: a node on a trusted network.
    if caller is not None and not caller.is_admin:
        raise Forbidden(f"user {caller.login!r} may only read; this needs an admin")
    address = request.remote_addr if caller is None else None

    def work(session: Session) -> StatusOut:
        applied = None
        if body.status is MachineStatus.PUPPET_SUCCESS:
            # The document as Puppet finished with it: enc-show --diff compares with it.
            applied = current_document(session, key)
        machine = machine_status.change_status(
            session,
            key,
            body.status,
            caller_address=address,
            message=body.message,
            applied_document=applied,
        )
        return StatusOut(serial=machine.serial, hostname=machine.hostname, status=machine.status)

    return write(work)


def current_document(session: Session, key: str) -> str | None:
    """The machine's ENC document now, encrypted; None if it has none (not enrolled,
    or the ENC refuses it: the status change must not fail for that)."""
    try:
        hostname = machine_by_key(session, key).hostname
    except NotFound:
        return None
    if hostname is None:
        return None
    try:
        text = document_text(session, hostname)
    except OciError:
        return None
    return vault().encrypt(text)
