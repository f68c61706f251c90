"""/ui: the dashboard's pages (blueprint ``web``), rendered on the server.

Reads go through oci.web.read and the API's own readers (oci.api.machines.full,
the matcher, the racking); the BMC actions call oci.api.bmc, as the API routes do.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    get_flashed_messages,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from oci import remote, templates
from oci.api import bmc as api_bmc
from oci.api import install as api_install
from oci.api.machines import find_machine, full
from oci.api.session import app_settings, db
from oci.bmc import ipmi
from oci.enrolment import clusters as topology
from oci.errors import OciError
from oci.ingest import summary
from oci.install import run
from oci.inventory.view import from_row
from oci.matching import match as matching
from oci.matching import racking, store
from oci.models import Cluster, Machine
from oci.security.users import check_password
from oci.web import login, read

bp = Blueprint("web", __name__, static_folder="static", static_url_path="/static")

# The actions an admin may take from a machine's page, and what each says.
ACTIONS = {
    "power-cycle": ("Power cycle", "power the machine off and on again through its BMC"),
    "reboot-on-live": (
        "Reboot on live",
        "boot it from the network into the live system (its state goes back to live)",
    ),
    "reboot-on-disk": ("Reboot on disk", "boot it from its installed disk"),
}
# How long a page waits for a BMC to say whether the machine is on.
POWER_QUERY_SECONDS = 3.0
# Overlap of the live fleet's windows: a transaction that commits a little after
# its row's timestamp is still caught by the next poll.
POLL_OVERLAP = timedelta(seconds=10)
_ALL = read.FleetFilter()
_PUBLIC = frozenset({"web.login", "web.static"})


def page(name: str, status: int = 200, **context: Any) -> Response:
    html = templates.render(
        f"web/{name}",
        url=url_for,
        viewer=login.current(),
        csrf=login.csrf_token(),
        messages=get_flashed_messages(with_categories=True),
        states=read.STATES,
        # Machine links by prefix: url_for per row would cost more than the row.
        machine_base=url_for("web.machine", key="_")[:-1],
        **context,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.before_request
def _require_login() -> ResponseReturnValue | None:
    g.viewer = login.viewer(db()) if request.endpoint != "web.static" else None
    if request.method == "POST":
        login.check_csrf(request)
    if request.endpoint in _PUBLIC or g.viewer is not None:
        return None
    if request.path.endswith(".json"):
        abort(401)
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "web.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(OciError)
def _domain_error(exc: OciError) -> Response:
    return page("error.html", status=exc.status, title="Error", message=exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    return page("error.html", status=status, title=exc.name, message=exc.description or exc.name)


def _safe_next(target: str | None) -> str:
    """Only a path of this dashboard: never another site (an open redirect)."""
    if target and target.startswith("/ui/") and not urlsplit(target).netloc:
        return target
    return url_for("web.fleet")


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
def login_page() -> ResponseReturnValue:
    if request.method == "GET":
        return page("login.html", next=_safe_next(request.args.get("next")), error="")
    name = request.form.get("login", "")
    password = request.form.get("password", "")
    user = check_password(db(), name, password) if name and len(name) <= 64 else None
    if user is None:
        return page(
            "login.html",
            status=401,
            next=_safe_next(request.form.get("next")),
            error="Wrong login or password.",
        )
    login.log_in(user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    login.log_out()
    flash("You are logged out.")
    return redirect(url_for("web.login"))


@bp.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("web.fleet"))


def _filter() -> read.FleetFilter:
    args = request.args
    return read.FleetFilter(
        q=args.get("q", "").strip()[:100],
        state=args.get("state", ""),
        cluster=args.get("cluster", ""),
        role=args.get("role", ""),
    )


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("/fleet")
def fleet() -> ResponseReturnValue:
    session = db()
    wanted = _filter()
    rows = read.fleet(session, wanted) if wanted.state != read.BOOTING else []
    clusters, roles = read.choices(session)
    return page(
        "fleet.html",
        rows=rows,
        booting=read.booting(session, wanted),
        fleet_states=read.FLEET_STATES,
        counts=read.state_counts(session),
        wanted=wanted,
        clusters=clusters,
        roles=roles,
        since=_now().isoformat(),
        here=request.full_path.rstrip("?"),
        seen=read.seen,
    )


@bp.get("/fleet/changes.json")
def fleet_changes() -> ResponseReturnValue:
    """What changed since the page (or the last poll) read the fleet: the live page's feed."""
    now = _now()
    try:
        since = datetime.fromisoformat(request.args.get("since", ""))
    except ValueError:
        since = now
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    since = min(since, now) - POLL_OVERLAP
    session = db()
    rows: list[dict[str, Any]] = [row.as_json() for row in read.booting(session, _ALL, since)]
    rows += [row.as_json() for row in read.changed_since(session, since)]
    return jsonify(
        since=now.isoformat(),
        counts=read.state_counts(session),
        rows=rows,
        known=read.known_since(session, since),
    )


def _rules() -> racking.Rules | str:
    try:
        return store.load(db(), app_settings()).rules
    except OciError as exc:
        return f"switch rules unusable: {exc.message}"


@bp.get("/racks")
def racks() -> ResponseReturnValue:
    return page("racks.html", view=read.racks(db(), _rules()))


def _power(machine: Machine) -> str:
    """on, off, or why the BMC could not say (asked with a short time limit)."""
    if machine.bmc is None or not machine.bmc.ipmi_password:
        return "unknown (no BMC credentials stored)"
    try:
        timeout = min(app_settings().bmc_timeout, POWER_QUERY_SECONDS)
        _, access = api_bmc.bmc_access(machine.serial or str(machine.id))
        return ipmi.power_state(dataclasses.replace(access, timeout=timeout))
    except OciError as exc:
        return f"unknown ({exc.message})"


def _explain(machine: Machine) -> matching.Outcome | str:
    try:
        catalogue = store.load(db(), app_settings())
    except OciError as exc:
        return exc.message
    return matching.match(from_row(machine), catalogue.compiled)


@bp.get("/machines/<key>")
def machine(key: str) -> ResponseReturnValue:
    session = db()
    found = find_machine(session, key)
    shown = full(found, session)
    return page(
        "machine.html",
        key=key,
        m=shown,
        power=_power(found),
        explanation=_explain(found),
        events=read.events_of(session, found.id),
        actions=ACTIONS,
        lldp={n.interface: n for n in shown.lldp_neighbours},
        gpus=[d for d in shown.pci_devices if summary.is_gpu(d)],
        size=summary.decimal_size,
        seen=read.seen,
    )


@bp.get("/machines/<key>/install-log")
def install_log(key: str) -> ResponseReturnValue:
    session = db()
    found = find_machine(session, key)
    text, problem = "", ""
    try:
        target = api_install.target_of(session, found, api_install.LogQuery())
        session.rollback()  # no transaction held open across the SSH round trip
        chunk = run.read_log(target, remote.server_key(app_settings().ssh_key_file), 0)
        text = chunk.text
    except OciError as exc:
        problem = exc.message
    return page("install_log.html", key=key, m=found, text=text, problem=problem)


def _admin() -> None:
    viewer = login.current()
    if viewer is None or not viewer.is_admin:
        abort(403, "this needs an admin; you may only read")


@bp.get("/machines/<key>/actions/<action>")
def confirm(key: str, action: str) -> ResponseReturnValue:
    _admin()
    if action not in ACTIONS:
        abort(404)
    found = find_machine(db(), key)
    return page("confirm.html", key=key, m=found, action=action, what=ACTIONS[action])


@bp.post("/machines/<key>/actions/<action>")
def act(key: str, action: str) -> ResponseReturnValue:
    _admin()
    if action not in ACTIONS:
        abort(404)
    uefi = request.form.get("uefi") == "yes"
    try:
        if action == "power-cycle":
            _, access = api_bmc.bmc_access(key)
            outcome = ipmi.power(access, "cycle")
        else:
            device = "pxe" if action == "reboot-on-live" else "disk"
            outcome = api_bmc.reboot(key, device, uefi).power
    except OciError as exc:
        flash(f"{ACTIONS[action][0]} failed: {exc.message}", "error")
    else:
        flash(f"{ACTIONS[action][0]}: done; the BMC reports the power {outcome}.")
    return redirect(url_for("web.machine", key=key))


@bp.get("/clusters")
def clusters() -> ResponseReturnValue:
    session = db()
    names = list(session.scalars(select(Cluster).order_by(Cluster.name)))
    return page("clusters.html", clusters=names, counts=read.cluster_counts(session))


@bp.get("/clusters/<name>")
def cluster(name: str) -> ResponseReturnValue:
    session = db()
    found = topology.by_name(session, Cluster, name, "cluster")
    return page("cluster.html", c=read.cluster_summary(session, found), seen=read.seen)


__all__ = ["bp"]
