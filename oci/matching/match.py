"""Which hardware profile a machine is: elimination, then priority (pure).

Every profile's conditions are evaluated against a MachineView; each gives a
`Check` with the value actually seen (``ram 128GiB < min 256GiB``). Profiles
with a failed check are eliminated; the highest priority survivor wins; two
survivors sharing the highest priority are ambiguous and nothing wins.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from oci.inventory.view import MachineView
from oci.matching.profiles import Count, Counted, Profile
from oci.matching.units import (
    SizeRange,
    binary,
    decimal,
    parse_size,
    parse_size_range,
    parse_speed,
    speed,
)

__all__ = [
    "Check",
    "Compiled",
    "Facts",
    "Matcher",
    "Outcome",
    "ProfileResult",
    "compile_profiles",
    "decide",
    "facts_of",
    "match",
]


@dataclass(frozen=True, slots=True)
class Check:
    field: str
    ok: bool
    text: str  # what was seen against what was asked


@dataclass(frozen=True, slots=True)
class ProfileResult:
    name: str
    role: str
    priority: int
    passed: bool
    checks: tuple[Check, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    winner: str | None
    ambiguous: tuple[str, ...]  # the tied survivors when nothing could win
    results: tuple[ProfileResult, ...]  # every profile, highest priority first

    @property
    def status(self) -> str:
        if self.winner:
            return "matched"
        return "ambiguous" if self.ambiguous else "none"

    @property
    def candidates(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.results if r.passed)


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions read, computed once per machine. Multisets are frozensets
    of (item, count): they hash once, so equal hardware is one dictionary key."""

    product_name: str | None
    manufacturer: str | None
    architecture: str | None
    cpu_vendor: str | None
    cpu_model: str | None
    cpu_cores: int | None
    cpu_threads: int | None
    memory_bytes: int | None
    disks: frozenset[tuple[tuple[str, int], int]]  # ((kind, size), count)
    nics: frozenset[tuple[tuple[int | None, str | None], int]]  # physical: ((speed, model), n)
    gpus: frozenset[tuple[tuple[str, str | None], int]]  # ((ids, name), count)
    has_bmc: bool
    raid_drives: frozenset[tuple[int | None, int]]  # (size, count) behind a RAID controller


def facts_of(view: MachineView) -> Facts:
    return Facts(
        view.product_name,
        view.manufacturer,
        view.architecture,
        view.cpu_vendor,
        view.cpu_model,
        view.cpu_cores,
        view.cpu_threads,
        view.memory_bytes,
        frozenset(Counter((d.kind, d.size_bytes) for d in view.disks).items()),
        frozenset(Counter((n.speed_mbps, n.product_name) for n in view.nics if n.physical).items()),
        frozenset(Counter((g.ids, g.name) for g in view.gpus).items()),
        view.has_bmc,
        frozenset(Counter(view.raid_drives).items()),
    )


# A condition: the Facts attribute it reads, and its verdict on a value of it.
CheckFn = tuple[str, Callable[[Any], Check]]
MEMO_SIZE = 4096


class Condition:
    """One compiled condition, remembering its verdict per value seen: a fleet has
    few distinct products, RAM sizes and disk sets, so most checks are one lookup."""

    __slots__ = ("attribute", "judge", "memo")

    def __init__(self, attribute: str, judge: Callable[[Any], Check]) -> None:
        self.attribute = attribute
        self.judge = judge
        self.memo: dict[Any, Check] = {}

    def __call__(self, facts: Facts) -> Check:
        value = getattr(facts, self.attribute)
        check = self.memo.get(value)
        if check is None:
            check = self.judge(value)
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[value] = check
        return check


@dataclass(frozen=True)
class Compiled:
    """A profile ready to match. Its result depends only on the facts its
    conditions read (``key``), so it is remembered per value of those."""

    profile: Profile
    checks: tuple[Condition, ...]
    key: Callable[[Facts], Any] = dataclasses.field(default=lambda facts: ())
    memo: dict[Any, ProfileResult] = dataclasses.field(default_factory=dict, compare=False)

    def result(self, facts: Facts) -> ProfileResult:
        key = self.key(facts)
        found = self.memo.get(key)
        if found is None:
            checks = tuple([check(facts) for check in self.checks])
            passed = all([c.ok for c in checks])
            p = self.profile
            found = ProfileResult(p.name, p.role, p.priority, passed, checks)
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = found
        return found


def _pattern(globs: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(g) for g in globs), re.IGNORECASE)


def _quoted(globs: Sequence[str]) -> str:
    return ", ".join(repr(g) for g in globs)


def _glob_check(field: str, attribute: str, globs: Sequence[str]) -> CheckFn:
    pattern, wanted = _pattern(globs), _quoted(globs)

    def check(value: str | None) -> Check:
        if value is not None and pattern.match(value):
            return Check(field, True, f"{field} {value!r} matches {wanted}")
        return Check(field, False, f"{field} {value!r} matches none of {wanted}")

    return attribute, check


def _bounds(count: Counted | None, default_min: int | None) -> tuple[int | None, int | None]:
    if count is None:
        return default_min, None
    if isinstance(count, Count):
        return count.min, count.max
    return count, count


def _count_text(low: int | None, high: int | None) -> str:
    if low is not None and low == high:
        return f"exactly {low}"
    parts = ([f"min {low}"] if low is not None else []) + (
        [f"max {high}"] if high is not None else []
    )
    return " ".join(parts)


def _within(n: int, low: int | None, high: int | None) -> bool:
    return (low is None or n >= low) and (high is None or n <= high)


def _minimum(field: str, value: int | None, least: int, show: Callable[[int], str]) -> Check:
    name = field.removesuffix(".min")
    if value is None:
        return Check(field, False, f"{name} unknown, min {show(least)}")
    if value >= least:
        return Check(field, True, f"{name} {show(value)} >= min {show(least)}")
    return Check(field, False, f"{name} {show(value)} < min {show(least)}")


def _maximum(field: str, value: int | None, most: int, show: Callable[[int], str]) -> Check:
    name = field.removesuffix(".max")
    if value is None:
        return Check(field, False, f"{name} unknown, max {show(most)}")
    if value <= most:
        return Check(field, True, f"{name} {show(value)} <= max {show(most)}")
    return Check(field, False, f"{name} {show(value)} > max {show(most)}")


def _cpu_checks(profile: Profile) -> list[CheckFn]:
    cpu = profile.match.cpu
    if cpu is None:
        return []
    checks: list[CheckFn] = []
    if cpu.vendor:
        checks.append(_glob_check("cpu.vendor", "cpu_vendor", cpu.vendor))
    if cpu.model:
        checks.append(_glob_check("cpu.model", "cpu_model", cpu.model))
    for field, attribute, least in (
        ("cpu.cores", "cpu_cores", cpu.min_cores),
        ("cpu.threads", "cpu_threads", cpu.min_threads),
    ):
        if least is not None:
            checks.append((attribute, functools.partial(_minimum, field, least=least, show=str)))
    return checks


def _ram_checks(profile: Profile) -> list[CheckFn]:
    ram = profile.match.ram
    checks: list[CheckFn] = []
    if ram and ram.min:
        least = parse_size(ram.min)
        checks.append(("memory_bytes", lambda v: _minimum("ram.min", v, least, binary)))
    if ram and ram.max:
        most = parse_size(ram.max)
        checks.append(("memory_bytes", lambda v: _maximum("ram.max", v, most, binary)))
    return checks


def _sizes(found: Iterable[tuple[tuple[str, int], int]]) -> str:
    return ", ".join(f"{n}x {decimal(size)}" for (_, size), n in sorted(found))


def _disk_checks(profile: Profile) -> list[CheckFn]:
    checks: list[CheckFn] = []
    for kind, condition in (profile.match.disks or {}).items():
        sizes = parse_size_range(condition.size) if condition.size else None
        low, high = _bounds(condition.count, 1)
        asked = _count_text(low, high) + (f" of {sizes.text}" if sizes else "")

        def check(
            disks: frozenset[Any],
            kind: str = kind,
            sizes: SizeRange | None = sizes,
            low: int | None = low,
            high: int | None = high,
            asked: str = asked,
        ) -> Check:
            field = f"disks.{kind}"
            found = [
                item
                for item in disks
                if (kind == "any" or item[0][0] == kind) and (sizes is None or item[0][1] in sizes)
            ]
            total = sum(n for _, n in found)
            ok = _within(total, low, high)
            seen = f"{total} ({_sizes(found)})" if found else "0"
            return Check(field, ok, f"{field} {seen}, {'is' if ok else 'not'} {asked}")

        checks.append(("disks", check))
    return checks


def _speeds(nics: Iterable[tuple[tuple[int | None, str | None], int]]) -> str:
    by_speed: Counter[int | None] = Counter()
    for (mbps, _), n in nics:
        by_speed[mbps] += n
    ordered = sorted(by_speed.items(), key=lambda item: -(item[0] or 0))
    return ", ".join(f"{n}x {speed(m) if m else '?'}" for m, n in ordered) or "none"


def _nic_checks(profile: Profile) -> list[CheckFn]:
    nics = profile.match.nics
    if nics is None:
        return []
    fastest = parse_speed(nics.min_speed) if nics.min_speed else None
    model = _pattern(nics.model) if nics.model else None
    low, high = _bounds(nics.count, 1)
    asked = (
        _count_text(low, high)
        + (f" at >= {speed(fastest)}" if fastest else "")
        + (f" model {_quoted(nics.model)}" if nics.model else "")
    )

    def check(nics: frozenset[Any]) -> Check:
        total = sum(
            n
            for (mbps, name), n in nics
            if (fastest is None or (mbps or 0) >= fastest)
            and (model is None or (name is not None and model.match(name)))
        )
        ok = _within(total, low, high)
        verdict = "is" if ok else "not"
        return Check("nics", ok, f"nics {total} of ({_speeds(nics)}), {verdict} {asked}")

    return [("nics", check)]


def _gpu_checks(profile: Profile) -> list[CheckFn]:
    gpus = profile.match.gpus
    if gpus is None:
        return []
    model = _pattern(gpus.model) if gpus.model else None
    ids = frozenset(gpus.ids or ())
    low, high = _bounds(gpus.count, 1)
    asked = _count_text(low, high)
    if model or ids:
        asked += " of " + ", ".join([*(gpus.model or []), *sorted(ids)])

    def check(gpus: frozenset[Any]) -> Check:
        total = sum(
            n
            for (pci, name), n in gpus
            if (model is None and not ids)
            or pci in ids
            or (model is not None and name is not None and model.match(name))
        )
        ok = _within(total, low, high)
        seen = ", ".join(f"{n}x {name or '?'} ({pci})" for (pci, name), n in sorted(gpus))
        verdict = "is" if ok else "not"
        return Check("gpus", ok, f"gpus {total} of ({seen or 'none'}), {verdict} {asked}")

    return [("gpus", check)]


def _bmc_check(profile: Profile) -> list[CheckFn]:
    wanted = profile.match.bmc
    if wanted is None:
        return []
    asked = "present" if wanted else "absent"

    def check(has_bmc: bool) -> Check:
        seen = "present" if has_bmc else "absent"
        return Check("bmc", has_bmc == wanted, f"bmc {seen}, wanted {asked}")

    return [("has_bmc", check)]


def _raid_checks(profile: Profile) -> list[CheckFn]:
    """OCI's hdd.controller: megacli when drives sit behind a RAID controller,
    and then its layouts count those drives, not the disks the system sees."""
    checks: list[CheckFn] = []
    wanted = profile.match.hardware_raid
    if wanted is not None:

        def present(drives: frozenset[Any], wanted: bool = wanted) -> Check:
            total = sum(n for _, n in drives)
            seen = f"{total} drive(s) behind a RAID controller" if total else "no RAID drive"
            asked = "wanted" if wanted else "none wanted"
            return Check("hardware_raid", bool(total) == wanted, f"hardware_raid: {seen}, {asked}")

        checks.append(("raid_drives", present))
    condition = profile.match.raid_drives
    if condition is not None:
        sizes = parse_size_range(condition.size) if condition.size else None
        low, high = _bounds(condition.count, 1)
        asked = _count_text(low, high) + (f" of {sizes.text}" if sizes else "")

        def count(drives: frozenset[Any]) -> Check:
            found = [
                (size, n)
                for size, n in drives
                if sizes is None or (size is not None and size in sizes)
            ]
            total = sum(n for _, n in found)
            ok = _within(total, low, high)
            shown = ", ".join(f"{n}x {decimal(s) if s else '?'}" for s, n in sorted(found, key=str))
            seen = f"{total} ({shown})" if found else "0"
            return Check("raid_drives", ok, f"raid_drives {seen}, {'is' if ok else 'not'} {asked}")

        checks.append(("raid_drives", count))
    return checks


def compile_profile(profile: Profile) -> Compiled:
    match = profile.match
    checks: list[CheckFn] = []
    for field, attribute in (
        ("product", "product_name"),
        ("manufacturer", "manufacturer"),
        ("architecture", "architecture"),
    ):
        globs = getattr(match, field)
        if globs:
            checks.append(_glob_check(field, attribute, globs))
    checks += _cpu_checks(profile)
    checks += _ram_checks(profile)
    checks += _disk_checks(profile)
    checks += _nic_checks(profile)
    checks += _gpu_checks(profile)
    checks += _bmc_check(profile)
    checks += _raid_checks(profile)
    conditions = tuple(Condition(attribute, judge) for attribute, judge in checks)
    read = sorted({c.attribute for c in conditions})
    key = operator.attrgetter(*read) if read else (lambda facts: ())
    return Compiled(profile, conditions, key)


def compile_profiles(profiles: Iterable[Profile]) -> tuple[Compiled, ...]:
    """Profiles ready to match, highest priority first (then by name, for stable output)."""
    compiled = [compile_profile(p) for p in profiles]
    return tuple(sorted(compiled, key=lambda c: (-c.profile.priority, c.profile.name)))


def match(view: MachineView, profiles: Sequence[Compiled]) -> Outcome:
    """Every profile's checks on ``view``, and the winner if exactly one ranks first."""
    return decide(facts_of(view), profiles)


def decide(facts: Facts, profiles: Sequence[Compiled]) -> Outcome:
    results = [compiled.result(facts) for compiled in profiles]
    survivors = [r for r in results if r.passed]
    if not survivors:
        return Outcome(None, (), tuple(results))
    top = [r.name for r in survivors if r.priority == survivors[0].priority]
    if len(top) > 1:
        return Outcome(None, tuple(top), tuple(results))
    return Outcome(top[0], (), tuple(results))


class Matcher:
    """``match`` over a whole inventory: machines with equal facts (a rack of one
    model) are matched once. Outcomes are immutable, so sharing them is safe."""

    def __init__(self, profiles: Sequence[Compiled], memo_size: int = 4096) -> None:
        self.profiles = profiles
        self.memo_size = memo_size
        self._memo: dict[Facts, Outcome] = {}

    def match(self, view: MachineView) -> Outcome:
        facts = facts_of(view)
        outcome = self._memo.get(facts)
        if outcome is None:
            outcome = decide(facts, self.profiles)
            if len(self._memo) < self.memo_size:
                self._memo[facts] = outcome
        return outcome
