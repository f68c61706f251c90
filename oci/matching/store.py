# Writes: hardware profiles and switch rules.
"""Where profiles and switch rules live: the profiles directory and the database.

The directory (setting ``profiles_dir``) is read, never written: its files
are reloaded when they change. Imports through the API go to the database,
all or nothing. A profile name or switch defined in both places is an error,
so that no definition silently shadows another.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from oci.config import Settings
from oci.errors import Conflict, Invalid, NotFound
from oci.matching import match as matching
from oci.matching import racking
from oci.matching.profiles import (
    Document,
    Profile,
    ProfileError,
    SwitchEntry,
    Switches,
    SwitchPattern,
)
from oci.matching.profiles import load_directory as read_directory
from oci.models import HardwareProfile, SwitchRule

__all__ = ["Catalogue", "StoredProfile", "delete_profile", "import_document", "load"]

API_SOURCE = "api"


@dataclass(frozen=True)
class StoredProfile:
    profile: Profile
    source: str  # a file path, or what the API import named


@dataclass(frozen=True)
class Catalogue:
    """Every profile and switch rule in effect, ready to match."""

    profiles: tuple[StoredProfile, ...]
    switches: Switches
    compiled: tuple[matching.Compiled, ...]
    rules: racking.Rules

    def profile(self, name: str) -> StoredProfile:
        for stored in self.profiles:
            if stored.profile.name == name:
                return stored
        raise NotFound(f"no hardware profile named {name!r}")

    def document(self) -> dict[str, Any]:
        """The whole catalogue in the file shape (profile-export)."""
        return {
            "profiles": [
                s.profile.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
                | {"name": s.profile.name, "role": s.profile.role}
                for s in self.profiles
            ],
            "switches": self.switches.model_dump(mode="json", exclude_none=True),
        }


def catalogue(profiles: list[StoredProfile], switches: Switches) -> Catalogue:
    return Catalogue(
        tuple(profiles),
        switches,
        matching.compile_profiles(s.profile for s in profiles),
        racking.compile_rules(switches),
    )


_cache_lock = threading.Lock()
_cache: dict[Path, tuple[Any, list[tuple[str, Document]]]] = {}


def _directory(path: Path | None) -> list[tuple[str, Document]]:
    """The directory's documents, re-read only when a file changed."""
    if path is None or not path.is_dir():
        return []
    files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
    signature = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    with _cache_lock:
        cached = _cache.get(path)
        if cached and cached[0] == signature:
            return cached[1]
    documents = read_directory(path)
    with _cache_lock:
        _cache[path] = (signature, documents)
    return documents


def _merge(
    files: list[tuple[str, Document]], session: Session
) -> tuple[list[StoredProfile], Switches]:
    profiles: dict[str, StoredProfile] = {}
    table: dict[str, tuple[str, SwitchEntry]] = {}
    patterns: list[SwitchPattern] = []
    products: dict[str, tuple[str, int]] = {}
    problems: list[str] = []

    def add_profile(profile: Profile, source: str) -> None:
        if profile.name in profiles:
            other = profiles[profile.name].source
            problems.append(f"profile {profile.name!r} is defined in {other} and in {source}")
        else:
            profiles[profile.name] = StoredProfile(profile, source)

    def add_switch(name: str, entry: SwitchEntry, source: str) -> None:
        if name in table:
            problems.append(f"switch {name!r} is in the table of {table[name][0]} and {source}")
        else:
            table[name] = (source, entry)

    def add_product(name: str, height: int, source: str) -> None:
        if name in products:
            problems.append(f"product {name!r} has a height in {products[name][0]} and {source}")
        else:
            products[name] = (source, height)

    for source, document in files:
        for profile in document.profiles:
            add_profile(profile, source)
        if document.switches:
            patterns += document.switches.patterns
            for name, entry in document.switches.table.items():
                add_switch(name, entry, source)
            for name, height in document.switches.products.items():
                add_product(name, height, source)
    for row in session.scalars(select(HardwareProfile).order_by(HardwareProfile.name)):
        add_profile(Profile.model_validate(row.definition), row.source)
    for rule in session.scalars(select(SwitchRule).order_by(SwitchRule.position, SwitchRule.id)):
        if rule.kind == "pattern":
            patterns.append(SwitchPattern.model_validate(rule.definition))
        elif rule.kind == "product":
            add_product(rule.key, int(rule.definition["height"]), "the database")
        else:
            add_switch(rule.key, SwitchEntry.model_validate(rule.definition), "the database")
    if problems:
        raise ProfileError(problems)
    switches = Switches(
        patterns=patterns,
        table={k: v[1] for k, v in table.items()},
        products={k: v[1] for k, v in products.items()},
    )
    return list(profiles.values()), switches


def load(session: Session, settings: Settings) -> Catalogue:
    """The catalogue in effect; Invalid (422) naming every problem of the files."""
    try:
        files = _directory(settings.profiles_dir)
        profiles, switches = _merge(files, session)
    except ProfileError as exc:
        raise Invalid(
            "the hardware profiles cannot be used: " + "; ".join(exc.problems),
            {"problems": exc.problems},
        ) from exc
    return catalogue(profiles, switches)


def import_document(
    session: Session, document: Document, source: str, settings: Settings
) -> tuple[list[str], int]:
    """Store every profile of ``document`` (replacing same-named ones) and, when it
    has a ``switches`` section, replace the stored switch rules with it. Returns
    (profile names, switch rules stored)."""
    files = _directory(settings.profiles_dir)
    in_files = {p.name: path for path, doc in files for p in doc.profiles}
    clashes = [
        f"{p.name!r} (in {in_files[p.name]})" for p in document.profiles if p.name in in_files
    ]
    if clashes:
        raise Conflict(
            f"profile(s) {', '.join(clashes)} come from the profiles directory; edit the file there"
        )
    for profile in document.profiles:
        definition = profile.model_dump(mode="json", exclude_none=True)
        row = session.scalar(
            select(HardwareProfile).where(HardwareProfile.name == profile.name).with_for_update()
        )
        if row is None:
            row = HardwareProfile(name=profile.name)
            session.add(row)
        row.role = profile.role
        row.priority = profile.priority
        row.source = source[:255]
        row.definition = definition
    rules = 0
    if document.switches is not None:
        session.execute(delete(SwitchRule))
        for position, pattern in enumerate(document.switches.patterns):
            session.add(
                SwitchRule(
                    kind="pattern",
                    key=pattern.regex[:255],
                    position=position,
                    definition=pattern.model_dump(mode="json", exclude_none=True),
                )
            )
        for name, entry in document.switches.table.items():
            session.add(
                SwitchRule(
                    kind="switch",
                    key=name[:255],
                    position=0,
                    definition=entry.model_dump(mode="json", exclude_none=True),
                )
            )
        for name, height in document.switches.products.items():
            session.add(
                SwitchRule(
                    kind="product", key=name[:255], position=0, definition={"height": height}
                )
            )
        rules = len(document.switches.patterns) + len(document.switches.table)
    session.flush()
    # The merged result must still be usable (e.g. a switch also in a file).
    load(session, settings)
    return [p.name for p in document.profiles], rules


def delete_profile(session: Session, name: str, settings: Settings) -> None:
    row = session.scalar(select(HardwareProfile).where(HardwareProfile.name == name))
    if row is None:
        for path, document in _directory(settings.profiles_dir):
            if any(p.name == name for p in document.profiles):
                raise Conflict(f"profile {name!r} comes from {path}; remove it from that file")
        raise NotFound(f"no hardware profile named {name!r}")
    session.delete(row)
    session.flush()
