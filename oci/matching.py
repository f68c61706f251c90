"""Which hardware profile a machine is: elimination, then priority (pure).

Every profile's conditions are evaluated against a MachineView; each gives a
`Check` with the value actually seen (``ram 128GiB < min 256GiB``). Profiles
with a failed check are eliminated; the highest priority survivor wins; two
survivors sharing the highest priority are ambiguous and nothing wins.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from oci.machine_view import DiskView, MachineView
from oci.profiles import Count, Counted, Profile
from oci.units import binary, decimal, parse_size, parse_size_range, parse_speed, speed

__all__ = ["Check", "Compiled", "Outcome", "ProfileResult", "compile_profiles", "match"]


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


CheckFn = Callable[[MachineView], Check]


@dataclass(frozen=True)
class Compiled:
    profile: Profile
    checks: tuple[CheckFn, ...]


def _pattern(globs: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(g) for g in globs), re.IGNORECASE)


def _quoted(globs: Sequence[str]) -> str:
    return ", ".join(repr(g) for g in globs)


def _glob_check(field: str, attribute: str, globs: Sequence[str]) -> CheckFn:
    pattern, wanted = _pattern(globs), _quoted(globs)

    def check(view: MachineView) -> Check:
        value = getattr(view, attribute)
        if value is not None and pattern.match(value):
            return Check(field, True, f"{field} {value!r} matches {wanted}")
        return Check(field, False, f"{field} {value!r} matches none of {wanted}")

    return check


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
            checks.append(
                lambda v, f=field, a=attribute, n=least: _minimum(f, getattr(v, a), n, str)
            )
    return checks


def _ram_checks(profile: Profile) -> list[CheckFn]:
    ram = profile.match.ram
    checks: list[CheckFn] = []
    if ram and ram.min:
        least = parse_size(ram.min)
        checks.append(lambda v: _minimum("ram.min", v.memory_bytes, least, binary))
    if ram and ram.max:
        most = parse_size(ram.max)
        checks.append(lambda v: _maximum("ram.max", v.memory_bytes, most, binary))
    return checks


def _disk_summary(disks: Iterable[DiskView]) -> str:
    return ", ".join(f"{d.name} {decimal(d.size_bytes)}" for d in disks) or "none"


def _disk_checks(profile: Profile) -> list[CheckFn]:
    checks: list[CheckFn] = []
    for kind, condition in (profile.match.disks or {}).items():
        sizes = parse_size_range(condition.size) if condition.size else None
        low, high = _bounds(condition.count, 1)
        asked = _count_text(low, high) + (f" of {sizes.text}" if sizes else "")
        field = f"disks.{kind}"

        def check(
            view: MachineView, kind: str = kind, sizes=sizes, low=low, high=high, asked=asked
        ) -> Check:
            field = f"disks.{kind}"
            found = [
                d
                for d in view.disks
                if (kind == "any" or d.kind == kind) and (sizes is None or d.size_bytes in sizes)
            ]
            ok = _within(len(found), low, high)
            seen = f"{len(found)} ({_disk_summary(found)})" if found else "0"
            return Check(field, ok, f"{field} {seen}, {'is' if ok else 'not'} {asked}")

        check.__name__ = field
        checks.append(check)
    return checks


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

    def check(view: MachineView) -> Check:
        found = [
            n
            for n in view.nics
            if n.physical
            and (fastest is None or (n.speed_mbps or 0) >= fastest)
            and (model is None or (n.product_name and model.match(n.product_name)))
        ]
        ok = _within(len(found), low, high)
        seen = ", ".join(
            f"{n.name} {speed(n.speed_mbps) if n.speed_mbps else '?'}"
            for n in view.nics
            if n.physical
        )
        return Check(
            "nics", ok, f"nics {len(found)} of ({seen or 'none'}), {'is' if ok else 'not'} {asked}"
        )

    return [check]


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

    def check(view: MachineView) -> Check:
        found = [
            g
            for g in view.gpus
            if (model is None and not ids)
            or g.ids in ids
            or (model is not None and g.name is not None and model.match(g.name))
        ]
        ok = _within(len(found), low, high)
        seen = ", ".join(f"{g.name or '?'} ({g.ids})" for g in view.gpus) or "none"
        return Check("gpus", ok, f"gpus {len(found)} of ({seen}), {'is' if ok else 'not'} {asked}")

    return [check]


def _bmc_check(profile: Profile) -> list[CheckFn]:
    wanted = profile.match.bmc
    if wanted is None:
        return []

    def check(view: MachineView) -> Check:
        seen = "present" if view.has_bmc else "absent"
        return Check(
            "bmc", view.has_bmc == wanted, f"bmc {seen}, wanted {'present' if wanted else 'absent'}"
        )

    return [check]


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
    return Compiled(profile, tuple(checks))


def compile_profiles(profiles: Iterable[Profile]) -> tuple[Compiled, ...]:
    """Profiles ready to match, highest priority first (then by name, for stable output)."""
    compiled = [compile_profile(p) for p in profiles]
    return tuple(sorted(compiled, key=lambda c: (-c.profile.priority, c.profile.name)))


def match(view: MachineView, profiles: Sequence[Compiled]) -> Outcome:
    """Every profile's checks on ``view``, and the winner if exactly one ranks first."""
    results = []
    for compiled in profiles:
        checks = tuple(check(view) for check in compiled.checks)
        p = compiled.profile
        results.append(ProfileResult(p.name, p.role, p.priority, all(c.ok for c in checks), checks))
    survivors = [r for r in results if r.passed]
    if not survivors:
        return Outcome(None, (), tuple(results))
    top = [r.name for r in survivors if r.priority == survivors[0].priority]
    if len(top) > 1:
        return Outcome(None, tuple(top), tuple(results))
    return Outcome(top[0], (), tuple(results))
