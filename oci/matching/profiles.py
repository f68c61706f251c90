"""Hardware profiles and switch rules: the YAML file shape, validated (pure).

A profiles file holds ``profiles:`` (role matchers: conditions on the
discovered facts, and what to apply when one wins) and ``switches:`` (LLDP
switch-name rules). Every key, operator and unit is checked when the file is
loaded: a mistake is a `ProfileError` naming the file, the profile and the
field, never a rule that silently matches nothing.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from oci.choices import CpuModel, SerialConsole
from oci.enrolment.options import Gpu, Label, MachineSettings, option_spec
from oci.matching.units import parse_size, parse_size_range, parse_speed
from oci.models.role import BUILTIN_ROLES

__all__ = [
    "Document",
    "Profile",
    "ProfileError",
    "SwitchEntry",
    "SwitchPattern",
    "Switches",
    "load_directory",
    "load_text",
]

DiskKind = Literal["hdd", "ssd", "nvme", "other", "any"]
DISK_KINDS: tuple[DiskKind, ...] = get_args(DiskKind)


class ProfileError(ValueError):
    """A profiles file that cannot be used; ``problems`` lists each, naming file and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _checked(parse: Any) -> Any:
    def check(value: str) -> str:
        parse(value)
        return value.strip()

    return AfterValidator(check)


def _globs(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _unit_text(value: Any) -> Any:
    # A bare number reaches the unit parser, which says that the unit is missing.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


def _label(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Size = Annotated[str, BeforeValidator(_unit_text), _checked(parse_size), Field(examples=["256GiB"])]
SizeRange = Annotated[
    str, BeforeValidator(_unit_text), _checked(parse_size_range), Field(examples=["3TB..8TB"])
]
Speed = Annotated[str, BeforeValidator(_unit_text), _checked(parse_speed), Field(examples=["25Gb"])]
Globs = Annotated[
    list[Annotated[str, Field(min_length=1)]],
    BeforeValidator(_globs),
    Field(min_length=1, description="Shell globs, any of which may match (case-insensitive)"),
]
PciIds = Annotated[str, Field(pattern=r"^[0-9a-f]{4}:[0-9a-f]{4}$", examples=["10de:1eb8"])]
Regex = Annotated[str, AfterValidator(_regex)]
Place = Annotated[str, BeforeValidator(_label), Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Count(Strict):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _bounded(self) -> Count:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both (or an exact number)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is above max")
        return self


# An exact number, or {min, max}.
Counted = Annotated[int, Field(ge=0)] | Count


class Cpu(Strict):
    vendor: Globs | None = None
    model: Globs | None = None
    min_cores: int | None = Field(None, ge=1, description="Physical cores, all sockets")
    min_threads: int | None = Field(None, ge=1)


class Ram(Strict):
    min: Size | None = None
    max: Size | None = None


class DiskCondition(Strict):
    count: Counted | None = Field(None, description="How many disks of the kind (in the size)")
    size: SizeRange | None = Field(None, description="Only disks of this size count")


class Nics(Strict):
    min_speed: Speed | None = None
    model: Globs | None = Field(None, description="PCI device name, e.g. '*ConnectX-6*'")
    count: Counted | None = Field(None, description="How many such NICs; default at least 1")


class Gpus(Strict):
    model: Globs | None = None
    ids: list[PciIds] | None = Field(None, min_length=1)
    count: Counted | None = Field(None, description="How many such GPUs; default at least 1")


class Match(Strict):
    product: Globs | None = None
    manufacturer: Globs | None = None
    architecture: Globs | None = None
    cpu: Cpu | None = None
    ram: Ram | None = None
    disks: dict[DiskKind, DiskCondition] | None = None
    nics: Nics | None = None
    gpus: Gpus | None = None
    bmc: bool | None = Field(None, description="A BMC was found (true) or not (false)")
    hardware_raid: bool | None = Field(
        None,
        description="Drives were found behind a hardware RAID controller (true) or not "
        "(false): OCI's hdd.controller megacli or none",
    )
    raid_drives: DiskCondition | None = Field(
        None, description="The drives behind the RAID controller, which the system does not see"
    )


class RaidDisks(Strict):
    kind: Literal["hdd", "ssd", "nvme"]
    count: int = Field(ge=1)
    size: SizeRange | None = None


class Raid(Strict):
    type: Literal["software", "hardware"]
    level: Literal[0, 1, 5, 6, 10]
    disks: RaidDisks


class Apply(Strict):
    """What the winner sets on the machine: the options ``machine-set`` takes."""

    raid: Raid | None = None
    serial_console: SerialConsole | None = None
    use_ceph_if_available: bool | None = None
    cpu_model: CpuModel | None = None
    gpus: list[Gpu] | None = None
    options: dict[str, Any] | None = Field(
        None,
        description="Machine options by name, as PATCH /machines/KEY/settings and "
        "machine-set take them (e.g. swift_store_object: false); OCI's machine-set lines",
    )

    @field_validator("options")
    @classmethod
    def _machine_options(cls, options: dict[str, Any] | None) -> dict[str, Any] | None:
        """Checked as machine-set checks them; yes/no and numbers as their type."""
        if options is None:
            return None
        try:
            settings = MachineSettings.model_validate(options)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ValueError(f"{where}: {message}" if where else message) from None
        typed = {
            name: getattr(settings, name)
            if option_spec(name, "machine").kind in ("bool", "int", "float") and value is not None
            else value
            for name, value in options.items()
        }
        return typed


class MaxCount(Strict):
    cluster: int | None = Field(None, ge=1, description="At most this many in the cluster")
    location: int | None = Field(None, ge=1, description="At most this many per location (AZ)")


class Profile(Strict):
    name: Label
    role: str
    priority: int = 0
    description: str | None = None
    cluster: Label | None = Field(None, description="Hands-free enrolment adds winners here")
    location: Label | None = Field(
        None, description="Location when LLDP gives none (the LLDP one wins)"
    )
    max_count: MaxCount | None = None
    match: Match = Field(default_factory=Match)
    apply: Apply = Field(default_factory=Apply)
    oci: dict[str, Any] | None = Field(
        None,
        description="Keys of an OCI hardware-profiles.json entry that oci neither matches nor "
        "applies, kept verbatim for profile-export --format oci; also its machine-set "
        "lines as written, which export gives back while apply.options says the same",
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role not in BUILTIN_ROLES:
            raise ValueError(f"unknown role {role!r}; roles: {', '.join(BUILTIN_ROLES)}")
        return role


class Position(Strict):
    port: Regex = Field(description="On the LLDP port ID, with a group (?P<u>...): the U")

    @model_validator(mode="after")
    def _has_u(self) -> Position:
        if "u" not in re.compile(self.port).groupindex:
            raise ValueError("the port pattern needs a named group (?P<u>...)")
        return self


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class SwitchPattern(Strict):
    regex: Regex = Field(description="On the switch host name; groups dc, row, rack (and u)")
    location: str | None = Field(None, description="Template, e.g. '{dc}-zone1'")
    aggregate: str | None = Field(None, description="Template, e.g. 'az-{dc}-r{row}'")
    position: Position | None = None

    @model_validator(mode="after")
    def _groups(self) -> SwitchPattern:
        groups = set(re.compile(self.regex).groupindex)
        missing = {"dc", "row", "rack"} - groups
        if missing:
            raise ValueError(f"regex lacks the named group(s) {', '.join(sorted(missing))}")
        for field in ("location", "aggregate"):
            template = getattr(self, field)
            if template is None:
                continue
            try:
                names = _fields(template)
            except ValueError as exc:
                raise ValueError(f"{field}: bad template {template!r}: {exc}") from None
            unknown = sorted(n for n in names if n not in groups)
            if unknown or any(not n.isidentifier() for n in names):
                raise ValueError(
                    f"{field}: template {template!r} names {', '.join(unknown or names)}, "
                    f"not a group of the regex ({', '.join(sorted(groups))})"
                )
        return self


class SwitchEntry(Strict):
    dc: Place
    row: Place
    rack: Place
    location: Place | None = None
    aggregate: Place | None = None
    position: Position | None = None


Height = Annotated[int, Field(ge=1, le=64, description="Height in U")]


class Switches(Strict):
    patterns: list[SwitchPattern] = Field(default_factory=list)
    table: dict[str, SwitchEntry] = Field(default_factory=dict)
    products: dict[str, Height] = Field(
        default_factory=dict,
        description="U height by product name (OCI's productnames). When given, only "
        "machines of a listed product are placed, as OCI does",
    )


class Document(Strict):
    profiles: list[Profile] = Field(default_factory=list)
    switches: Switches | None = None

    @model_validator(mode="after")
    def _unique(self) -> Document:
        seen: set[str] = set()
        for profile in self.profiles:
            if profile.name in seen:
                raise ValueError(f"profile {profile.name!r} is defined twice")
            seen.add(profile.name)
        return self


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """'profile ceph-osd: match.ram.min' for an error location in ``data``."""
    if len(loc) >= 2 and loc[0] == "profiles" and isinstance(loc[1], int):
        name = None
        items = data.get("profiles") if isinstance(data, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            name = items[loc[1]].get("name")
        who = f"profile {name!r}" if isinstance(name, str) else f"profile #{loc[1] + 1}"
        rest = ".".join(str(p) for p in loc[2:] if not _is_union_tag(p))
        return f"{who}: {rest or 'profile'}"
    return ".".join(str(p) for p in loc if not _is_union_tag(p)) or "file"


_INT_BRANCHES = ("int", "constrained-int")


def _is_union_tag(part: Any) -> bool:
    # Pydantic names the branch of a union it tried ("int", "Count"), and a
    # mapping's key as "[key]": not fields.
    return isinstance(part, str) and (
        part in (*_INT_BRANCHES, "Count", "[key]") or part.startswith("function-")
    )


def _wrong_branch(err: Any) -> bool:
    """An error of the union branch the value was not written for: a count
    given as a mapping is not an int, and a number is not {min, max}."""
    loc = err["loc"]
    if any(part in _INT_BRANCHES for part in loc):
        return isinstance(err.get("input"), dict)
    return "Count" in loc and err["type"] in ("model_type", "model_attributes_type")


def validate(data: Any, source: str) -> Document:
    """The document in ``data`` (parsed YAML/JSON), or ProfileError naming ``source``."""
    if not isinstance(data, dict):
        raise ProfileError([f"{source}: expected a mapping with 'profiles' and/or 'switches'"])
    try:
        return Document.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            if _wrong_branch(err):
                continue
            message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            message = message.removeprefix("Value error, ")
            line = f"{source}: {_where(data, tuple(err['loc']))}: {message}"
            if line not in problems:
                problems.append(line)
        raise ProfileError(problems) from None


def load_text(text: str, source: str) -> Document:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError([f"{source}: not YAML: {exc}".replace("\n", " ")]) from None
    return validate(data if data is not None else {}, source)


def load_directory(directory: Path) -> list[tuple[str, Document]]:
    """Every ``*.yaml``/``*.yml`` file of ``directory`` (sorted), all errors together."""
    loaded, problems = [], []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        try:
            loaded.append((str(path), load_text(path.read_text(encoding="utf-8"), str(path))))
        except ProfileError as exc:
            problems += exc.problems
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
    if problems:
        raise ProfileError(problems)
    return loaded


def example_text() -> str:
    """The example profile set shipped with oci (controllers, computes, Ceph, Swift, network)."""
    from importlib import resources

    return resources.files("oci.matching").joinpath("examples/examples.yaml").read_text("utf-8")
