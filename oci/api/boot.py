"""/boot: what firmware asks while a machine boots (iPXE, GRUB), and the live image files.

Not under /api/v1: iPXE and GRUB read text, not JSON. Every route is
TRUSTED: a booting machine has no credentials, so only the configured
trusted networks (or an authenticated user, to look) get an answer.
The routes only read the inventory. An unknown machine's MAC is recorded as
a boot sighting (the fleet's "booting"), at most once a window per MAC and
never holding up the answer (oci.inventory.sightings).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from flask import Blueprint, Response, current_app, request, send_file
from pydantic import Field
from sqlalchemy import select

from oci.api.common import Input
from oci.api.endpoint import Access, endpoint
from oci.api.session import app_settings, db
from oci.boot import scripts as boot
from oci.boot.live_image import OUTPUTS
from oci.errors import BadRequest, NotFound
from oci.ingest.identity import real_serial
from oci.inventory import sightings
from oci.models import Machine, Nic

bp = Blueprint("boot", __name__)
TAG = "boot"
TEXT = "text/plain; charset=utf-8"


class BootQuery(Input):
    """What iPXE's `${...}` settings expand to; every one optional, and empty when
    iPXE has no value for it. The shapes here are what the document says; the
    rest is checked in oci/boot/scripts.py."""

    model_config = {"strict": False}
    mac: str | None = Field(
        None,
        pattern="^$|" + boot.MAC_PATTERN,
        description="${netX/mac} (colons) or ${netX/mac:hexhyp} (hyphens)",
    )
    uuid: str | None = Field(
        None,
        pattern=r"^$|^[0-9A-Fa-f]{8}(-?[0-9A-Fa-f]{4}){3}-?[0-9A-Fa-f]{12}$",
        description="${uuid}",
    )
    serial: str | None = Field(
        None, pattern=r"^[ -~]{0,128}$", description="${serial}: printable ASCII"
    )
    buildarch: Literal[boot.Architecture, ""] | None = Field(None, description="${buildarch}")
    platform: Literal[boot.Platform, ""] | None = Field(None, description="${platform}")


def server_url() -> str:
    """This server as the booting machine reaches it: the setting, else the request's own URL."""
    configured = app_settings().boot_server_url
    url = (configured or request.host_url).rstrip("/")
    if not boot.SERVER_URL.match(url):
        raise BadRequest(f"cannot tell booting machines this server's URL from {url!r}")
    return url


def _parse(query: BootQuery) -> boot.BootRequest:
    try:
        return boot.BootRequest.parse(query.model_dump())
    except boot.InvalidBootParameter as exc:
        raise BadRequest(
            f"invalid {exc.field}: {exc.message}", {"fields": {exc.field: exc.message}}
        ) from exc


def _machine(found: boot.BootRequest) -> Machine | None:
    """The inventory's machine: by serial, then the booting NIC's MAC, then the UUID."""
    session = db()
    serial = real_serial(found.serial)
    if serial:
        machine = session.scalar(select(Machine).where(Machine.serial == serial))
        if machine is not None:
            return machine
    if found.mac:
        machine = session.scalar(
            select(Machine).join(Nic).where(Nic.mac == found.mac).order_by(Machine.id).limit(1)
        )
        if machine is not None:
            return machine
    if found.uuid:
        return session.scalar(select(Machine).where(Machine.system_uuid == found.uuid))
    return None


def _sighted(found: boot.BootRequest, served: str) -> None:
    """Record an unknown machine's MAC, unless recorded less than a window ago."""
    if found.mac is None:
        return
    now = datetime.now(UTC)
    session = db()
    if sightings.is_fresh(session, found.mac, now):
        return
    session.rollback()  # no read transaction held open while the write waits its turn
    seen = sightings.Sighting(found.mac, found.buildarch, found.platform, served, now)
    sightings.record(current_app.extensions["oci_sessionmaker"], seen)


def _decision(found: boot.BootRequest, route: str) -> tuple[boot.BootAction, str]:
    machine = _machine(found)
    if machine is None:
        action = boot.decide(None)
        _sighted(found, f"{route} {action}")
        return action, "unknown machine"
    return boot.decide(machine.status), f"machine {machine.id}, state {machine.status}"


def _image(base: str) -> boot.BootImage:
    directory = app_settings().effective_live_image_dir
    return boot.BootImage(
        base_url=f"{base}/boot/files",
        has_squashfs=(directory / "filesystem.squashfs").is_file(),
    )


def _text(body: str) -> Response:
    response = Response(body, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"  # the answer follows the machine's state
    return response


@bp.get("/boot/ipxe")
@endpoint(
    "iPXE boot script chosen by the machine's state (live image or local disk)",
    tag=TAG,
    access=Access.TRUSTED,
    query=BootQuery,
)
def ipxe(query: BootQuery) -> Response:
    settings = app_settings()
    base = server_url()
    found = _parse(query)
    if found.mac is None and found.uuid is None and found.serial is None:
        return _text(boot.ipxe_chain_script(base, settings.boot_fetch_timeout))
    action, reason = _decision(found, "ipxe")
    script = boot.ipxe_script(
        base,
        found,
        action,
        _image(base),
        console=settings.boot_console,
        timeout_s=settings.boot_fetch_timeout,
        reason=reason,
    )
    return _text(script)


@bp.get("/boot/grub.cfg")
@endpoint(
    "grub.cfg for the Secure Boot path (shim, GRUB), with the same decisions",
    tag=TAG,
    access=Access.TRUSTED,
    query=BootQuery,
)
def grub_cfg(query: BootQuery) -> Response:
    settings = app_settings()
    base = server_url()
    found = _parse(query)
    if found.platform is None:
        found = boot.BootRequest(found.mac, found.uuid, found.serial, found.buildarch, "efi")
    action, reason = _decision(found, "grub.cfg")
    try:
        boot.grub_http_host(base)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    config = boot.grub_config(
        base,
        found,
        action,
        _image(base),
        console=settings.boot_console,
        timeout_s=settings.boot_fetch_timeout,
        reason=reason,
    )
    return _text(config)


@bp.get("/boot/files/<name>")
@endpoint(
    "A file of the live image: vmlinuz, initrd.img or filesystem.squashfs",
    tag=TAG,
    access=Access.TRUSTED,
)
def files(name: str) -> Response:
    if name not in OUTPUTS:
        raise NotFound(f"no live image file {name!r} (there are: {', '.join(OUTPUTS)})")
    path = Path(app_settings().effective_live_image_dir) / name
    if not path.is_file():
        raise NotFound(f"{name} is not built yet (oci live-image build)")
    return send_file(path, mimetype="application/octet-stream", conditional=True, max_age=0)
