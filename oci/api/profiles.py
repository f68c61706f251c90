"""/api/v1/profiles, machines' guessed profile and racking: the role matchers and LLDP places."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.api.common import Input, ListQuery, Output, Page, page_limit
from oci.api.endpoint import endpoint
from oci.api.session import app_settings, db, write
from oci.enrolment import automation
from oci.errors import Conflict, Invalid
from oci.inventory.machines import machine_by_key
from oci.inventory.view import from_row
from oci.matching import match as matching
from oci.matching import oci_format, racking, store
from oci.matching.profiles import Document, ProfileError
from oci.models import Machine

bp = Blueprint("profiles", __name__)
TAG = "profiles"


def _catalogue(session: Session) -> store.Catalogue:
    return store.load(session, app_settings())


class ProfileBrief(Output):
    name: str
    role: str
    priority: int
    cluster: str | None
    location: str | None
    source: str = Field(description="The file it comes from (or was imported from)")
    read_only: bool = Field(description="From the profiles directory: edit the file there")


class ProfileOut(ProfileBrief):
    definition: dict[str, Any] = Field(description="The profile as in a profiles file")


class FileIn(Input):
    text: Annotated[str, StringConstraints(max_length=1_000_000)] = Field(
        description="The YAML text of a profiles file"
    )
    source: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        "api", description="The file's name, for error messages and profile-list"
    )
    format: Literal["auto", "yaml", "oci"] = Field(
        "auto",
        description="auto: OCI's hardware-profiles.json or auto-racking.json by their shape, "
        "else our YAML; oci or yaml: only that",
    )


class ImportOut(Output):
    profiles: list[str] = Field(description="Profiles created or replaced")
    switch_rules: int = Field(
        description="Switch rules now stored (the file had a switches section)"
    )
    format: str = Field(description="yaml, hardware-profiles or auto-racking (OCI's files)")
    notes: list[str] = Field(
        default_factory=list, description="What the OCI file says that oci cannot express"
    )


class OciExportOut(Output):
    hardware_profiles: dict[str, Any] = Field(description="OCI's hardware-profiles.json")
    auto_racking: dict[str, Any] = Field(description="OCI's auto-racking.json")
    notes: list[str] = Field(description="What oci's profiles say that OCI's files cannot")


class ExportOut(Output):
    profiles: list[dict[str, Any]]
    switches: dict[str, Any]


class CheckOut(Output):
    field: str
    ok: bool
    text: str


class ProfileResultOut(Output):
    name: str
    role: str
    priority: int
    passed: bool
    checks: list[CheckOut]


class GuessOut(Output):
    serial: str | None
    hostname: str | None
    status: str = Field(description="matched, ambiguous or none")
    profile: str | None = Field(description="The winner")
    role: str | None
    ambiguous: list[str] = Field(description="Survivors tied at the highest priority")
    applied_profile: str | None = Field(description="The profile whose settings were applied")
    profiles: list[ProfileResultOut] = Field(description="Every profile, highest priority first")


class TestItem(Output):
    serial: str | None
    hostname: str | None
    status: str
    profile: str | None
    role: str | None
    candidates: list[str] = Field(description="Every profile whose conditions all pass")


class TestOut(Output):
    items: list[TestItem]
    total: int
    matched: dict[str, int] = Field(description="Machines each profile would win")
    ambiguous: int
    unmatched: int


class RackingOut(Output):
    serial: str | None
    hostname: str | None
    placed: bool = Field(description="LLDP gives one place: not flagged")
    datacenter: str | None
    row: str | None
    rack: str | None
    u_position: int | None
    location: str | None
    aggregate: str | None
    flags: list[str] = Field(description="Why the machine is not placed")
    reasons: list[str] = Field(description="How each LLDP neighbour was read")
    applied: bool = Field(False, description="This request put the machine there")


def _brief(stored: store.StoredProfile, files: bool) -> dict[str, Any]:
    p = stored.profile
    return {
        "name": p.name,
        "role": p.role,
        "priority": p.priority,
        "cluster": p.cluster,
        "location": p.location,
        "source": stored.source,
        "read_only": files,
    }


def _from_files(stored: store.StoredProfile) -> bool:
    folder = app_settings().profiles_dir
    return folder is not None and stored.source.startswith(str(folder))


@bp.get("/profiles")
@endpoint(
    "List hardware profiles, highest priority first",
    tag=TAG,
    query=ListQuery,
    response=Page[ProfileBrief],
)
def list_(query: ListQuery) -> Page[ProfileBrief]:
    catalogue = _catalogue(db())
    ordered = [c.profile.name for c in catalogue.compiled]
    rows = [catalogue.profile(name) for name in ordered]
    limit = page_limit(query)
    page = rows[query.offset : query.offset + limit]
    return Page[ProfileBrief](
        items=[ProfileBrief(**_brief(s, _from_files(s))) for s in page],
        total=len(rows),
        limit=limit,
        offset=query.offset,
    )


@bp.get("/profiles/<name>")
@endpoint("Show a hardware profile", tag=TAG, response=ProfileOut)
def show(name: str) -> ProfileOut:
    stored = _catalogue(db()).profile(name)
    definition = stored.profile.model_dump(mode="json", exclude_none=True)
    return ProfileOut(**_brief(stored, _from_files(stored)), definition=definition)


@bp.delete("/profiles/<name>")
@endpoint("Delete a hardware profile imported through the API", tag=TAG, status=204)
def delete(name: str) -> tuple[str, int]:
    write(lambda s: store.delete_profile(s, name, app_settings()))
    return "", 204


# Routes beside /profiles/<name>: GET /profiles/export would never show a profile
# named export. Refused at import only: a stored one stays listed and deletable.
RESERVED_NAMES = ("export", "import", "test")


def _invalid(problems: list[str]) -> Invalid:
    return Invalid("invalid profiles file: " + "; ".join(problems), {"problems": problems})


def _load(body: FileIn) -> oci_format.Loaded:
    try:
        return oci_format.load(body.text, body.source, body.format)
    except ProfileError as exc:
        raise _invalid(exc.problems) from exc


def _parse(body: FileIn) -> Document:
    return _load(body).document


def _check_names(document: Document, source: str) -> None:
    problems = [
        f"{source}: profile {p.name!r}: name: reserved for the route /api/v1/profiles/{p.name} "
        "(export, import and test cannot name a profile)"
        for p in document.profiles
        if p.name in RESERVED_NAMES
    ]
    if problems:
        raise _invalid(problems)


@bp.post("/profiles/import")
@endpoint(
    "Import a profiles file, all or nothing: its profiles replace same-named ones; "
    "its switches section, if any, replaces the stored switch rules",
    tag=TAG,
    body=FileIn,
    response=ImportOut,
)
def import_(body: FileIn) -> ImportOut:
    loaded = _load(body)
    document = loaded.document
    _check_names(document, body.source)
    names, rules = write(lambda s: store.import_document(s, document, body.source, app_settings()))
    return ImportOut(
        profiles=names, switch_rules=rules, format=loaded.kind, notes=list(loaded.notes)
    )


@bp.get("/profiles/export")
@endpoint("Every profile and switch rule in effect, in the file shape", tag=TAG, response=ExportOut)
def export() -> ExportOut:
    return ExportOut(**_catalogue(db()).document())


@bp.get("/profiles/export/oci")
@endpoint(
    "Every profile and switch rule in effect as OCI's hardware-profiles.json and "
    "auto-racking.json, with what these cannot say",
    tag=TAG,
    response=OciExportOut,
)
def export_oci() -> OciExportOut:
    catalogue = _catalogue(db())
    done = oci_format.to_oci([s.profile for s in catalogue.profiles], catalogue.switches)
    return OciExportOut(
        hardware_profiles=done.hardware_profiles,
        auto_racking=done.auto_racking,
        notes=list(done.notes),
    )


def _all_machines(session: Session) -> list[Machine]:
    stmt = select(Machine).options(*automation.COMPONENTS).order_by(Machine.id)
    return list(session.scalars(stmt))


@bp.post("/profiles/test")
@endpoint(
    "Match a profiles file against the whole inventory without saving it",
    tag=TAG,
    body=FileIn,
    response=TestOut,
)
def test(body: FileIn) -> TestOut:
    document = _parse(body)
    matcher = matching.Matcher(matching.compile_profiles(document.profiles))
    roles = {p.name: p.role for p in document.profiles}
    items, matched = [], {p.name: 0 for p in document.profiles}
    for machine in _all_machines(db()):
        outcome = matcher.match(from_row(machine))
        if outcome.winner:
            matched[outcome.winner] += 1
        items.append(
            TestItem(
                serial=machine.serial,
                hostname=machine.hostname,
                status=outcome.status,
                profile=outcome.winner,
                role=roles.get(outcome.winner or ""),
                candidates=list(outcome.candidates),
            )
        )
    return TestOut(
        items=items,
        total=len(items),
        matched=matched,
        ambiguous=sum(1 for i in items if i.status == "ambiguous"),
        unmatched=sum(1 for i in items if i.status == "none"),
    )


def _machine(session: Session, key: str) -> Machine:
    return machine_by_key(session, key, *automation.COMPONENTS)


@bp.get("/machines/<key>/guessed-profile")
@endpoint(
    "Which profile a machine matches, with every condition of every profile explained",
    tag="machines",
    response=GuessOut,
)
def guessed_profile(key: str) -> GuessOut:
    session = db()
    machine = _machine(session, key)
    catalogue = _catalogue(session)
    outcome = matching.match(from_row(machine), catalogue.compiled)
    role = catalogue.profile(outcome.winner).profile.role if outcome.winner else None
    return GuessOut(
        serial=machine.serial,
        hostname=machine.hostname,
        status=outcome.status,
        profile=outcome.winner,
        role=role,
        ambiguous=list(outcome.ambiguous),
        applied_profile=machine.hardware_profile,
        profiles=[
            ProfileResultOut(
                name=r.name,
                role=r.role,
                priority=r.priority,
                passed=r.passed,
                checks=[CheckOut(field=c.field, ok=c.ok, text=c.text) for c in r.checks],
            )
            for r in outcome.results
        ],
    )


def racking_out(machine: Machine, guessed: racking.Racking, applied: bool = False) -> RackingOut:
    place = guessed.place
    return RackingOut(
        serial=machine.serial,
        hostname=machine.hostname,
        placed=place is not None,
        datacenter=place.datacenter if place else None,
        row=place.row if place else None,
        rack=place.rack if place else None,
        u_position=place.u_position if place else None,
        location=place.location if place else None,
        aggregate=place.aggregate if place else None,
        flags=list(guessed.flags),
        reasons=list(guessed.reasons),
        applied=applied,
    )


@bp.get("/machines/<key>/racking")
@endpoint(
    "Where LLDP places a machine, and why (machine-guess-racking)",
    tag="machines",
    response=RackingOut,
)
def guess_racking(key: str) -> RackingOut:
    session = db()
    machine = _machine(session, key)
    return racking_out(machine, racking.guess(from_row(machine), _catalogue(session).rules))


@bp.post("/machines/<key>/racking")
@endpoint(
    "Put a machine where LLDP places it (machine-auto-rack); 409 if it is flagged",
    tag="machines",
    response=RackingOut,
)
def auto_rack(key: str) -> RackingOut:
    def work(session: Session) -> RackingOut:
        found = _machine(session, key)
        machine = automation.machine_with_components(session, found.id, lock=True)
        guessed = racking.guess(from_row(machine), _catalogue(session).rules)
        if guessed.place is None:
            raise Conflict(
                f"machine {key} is not placed: {'; '.join(guessed.flags)}",
                {"flags": list(guessed.flags)},
            )
        applied = automation.apply_place(session, machine, guessed.place) is not None
        return racking_out(machine, guessed, applied)

    return write(work)


class RackingQuery(ListQuery):
    flagged: bool | None = Field(None, description="true: only flagged machines")


@bp.get("/racking")
@endpoint(
    "Where LLDP places every machine (machine-guess-racking --all)",
    tag="machines",
    query=RackingQuery,
    response=Page[RackingOut],
)
def guess_racking_all(query: RackingQuery) -> Page[RackingOut]:
    session = db()
    rules = _catalogue(session).rules
    items = []
    for machine in _all_machines(session):
        out = racking_out(machine, racking.guess(from_row(machine), rules))
        if query.flagged is None or query.flagged != out.placed:
            items.append(out)
    limit = page_limit(query)
    return Page[RackingOut](
        items=items[query.offset : query.offset + limit],
        total=len(items),
        limit=limit,
        offset=query.offset,
    )


class RackAllOut(Output):
    items: list[RackingOut]
    applied: int
    flagged: int


@bp.post("/racking")
@endpoint(
    "Put every machine that is not flagged where LLDP places it (machine-auto-rack --all)",
    tag="machines",
    response=RackAllOut,
)
def auto_rack_all() -> RackAllOut:
    def work(session: Session) -> RackAllOut:
        rules = _catalogue(session).rules
        items = []
        for machine in _all_machines(session):
            guessed = racking.guess(from_row(machine), rules)
            applied = False
            if guessed.place is not None:
                locked = automation.machine_with_components(session, machine.id, lock=True)
                applied = automation.apply_place(session, locked, guessed.place) is not None
            items.append(racking_out(machine, guessed, applied))
        return RackAllOut(
            items=items,
            applied=sum(i.applied for i in items),
            flagged=sum(not i.placed for i in items),
        )

    return write(work)
