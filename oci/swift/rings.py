"""The ring files of a cluster, kept under ``data_dir/swift-rings/CLUSTER``: made or
brought up to date from a plan, read back, handed to publish.

Files, not rows: a ``.builder`` file is the ring's state (which partition lives
on which disk). Rebuilding a ring from nothing moves nearly every partition of
a live cluster, so a calculation changes the kept builders (adds, removes and
re-weighs devices, then rebalances) and never starts over. They live in the
data directory like OCI's ``/var/lib/oci/clusters/NAME/swift-ring``, survive
restarts, and are what publish sends; servers that share a database share
``data_dir`` already (the PKI, the SSH key). ``swift-ring-builder`` keeps its
own dated copies in ``backups/`` there.

A calculation works on copies in a private directory and moves the results in
only when every step succeeded, under an exclusive lock of the cluster's
directory; readers (show, publish) take it shared.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from oci.errors import Conflict
from oci.swift import builder
from oci.swift.builder import BUILDER, ListedDevice, Listing
from oci.swift.plan import Device, RingPlan, RingSpec

__all__ = ["RingFile", "RingReport", "calculate", "kept", "kept_files", "reading", "ring_dir"]

WEIGHT_STEP = 0.005  # the builder shows two decimals
_NONE_KEPT = "no Swift ring is kept for cluster {cluster}: run swift-calculate-ring first"


def ring_dir(data_dir: Path, cluster: str) -> Path:
    return data_dir / "swift-rings" / cluster


@contextmanager
def _locked(directory: Path, exclusive: bool) -> Iterator[None]:
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield


@dataclass(frozen=True)
class RingReport:
    name: str
    listing: Listing
    added: int = 0
    removed: int = 0
    changed: int = 0  # weight, region, zone or meta set again
    rebalance: str = ""  # what the rebalance said (its first line)


def calculate(directory: Path, plan: RingPlan, program: str = BUILDER) -> list[RingReport]:
    """Bring the rings of ``plan`` in ``directory`` to it: create, change, rebalance."""
    with _locked(directory, exclusive=True):
        # Under the lock no other calculation runs: a .build- left is one whose process
        # was killed (a server's worker timeout), never moved in.
        for stale in directory.glob(".build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=directory))
        try:
            for spec in plan.rings:
                for name in (spec.builder_file, spec.ring_file):
                    if (directory / name).exists():
                        shutil.copy2(directory / name, work / name)
            # Each ring is its own builder file: built side by side (each run of the
            # builder is a second of Python start-up).
            with ThreadPoolExecutor(max_workers=len(plan.rings) or 1) as pool:
                reports = list(pool.map(lambda spec: _bring(work, spec, program), plan.rings))
            _install(work, directory, plan.rings)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return reports


def _install(work: Path, directory: Path, specs: tuple[RingSpec, ...]) -> None:
    if (work / "backups").is_dir():
        (directory / "backups").mkdir(exist_ok=True)
        for backup in (work / "backups").iterdir():
            os.replace(backup, directory / "backups" / backup.name)
    for spec in specs:  # each file replaced at once: a reader never sees half a file
        for name in (spec.builder_file, spec.ring_file):
            if (work / name).exists():
                os.replace(work / name, directory / name)


def _listing(work: Path, name: str, program: str) -> Listing:
    return builder.parse_listing(builder.run(work, name, builder=program).output)


def _bring(work: Path, spec: RingSpec, program: str) -> RingReport:
    name = spec.name

    def run(*args: str) -> builder.Result:
        return builder.run(work, name, *args, builder=program)

    current: dict[tuple[str, int, str], ListedDevice] = {}
    if (work / spec.builder_file).exists():
        before = _listing(work, name, program)
        if before.part_power != spec.part_power:
            raise Conflict(
                f"the {name} ring has part power {before.part_power} and the cluster's "
                f"swift_part_power is {spec.part_power}: a ring's part power is fixed once "
                f"it exists (set swift_part_power back to {before.part_power})",
                {"ring": name, "part_power": before.part_power},
            )
        if abs(before.replicas - spec.replicas) > 1e-6:
            run("set_replicas", f"{spec.replicas:g}")
        if before.min_part_hours != spec.min_part_hours:
            run("set_min_part_hours", str(spec.min_part_hours))
        current = {d.key: d for d in before.devices if not d.removing}
    else:
        run(*builder.create_args(spec))
    planned = {d.key: d for d in spec.devices}
    gone = [d for key, d in current.items() if key not in planned]
    new = [d for key, d in planned.items() if key not in current]
    changes = _changes(current, planned)
    if gone:
        run("remove", *(f"d{d.id}" for d in gone), "--yes")
    for command, args in changes.items():
        # set_weight takes many pairs; the others mis-match past the first
        pairs = (
            [args] if command == "set_weight" else [args[i : i + 2] for i in range(0, len(args), 2)]
        )
        for pair in pairs:
            if pair:
                run(command, *pair, "--yes")
    if new:
        run("add", *builder.add_args(new))
    said = run("rebalance").output
    listing = _listing(work, name, program)
    if not listing.ring_up_to_date:  # nothing moved, but device information did
        run("write_ring")
        listing = _listing(work, name, program)
    changed = len({a for args in changes.values() for a in args[::2]})
    first = said.splitlines()[0] if said else ""
    return RingReport(name, listing, len(new), len(gone), changed, first)


def _changes(
    current: dict[tuple[str, int, str], ListedDevice], planned: dict[tuple[str, int, str], Device]
) -> dict[str, list[str]]:
    """Arguments of set_weight, set_region, set_zone and set_info for the devices
    kept whose weight, place or meta the plan changes."""
    found: dict[str, list[str]] = {
        "set_weight": [],
        "set_region": [],
        "set_zone": [],
        "set_info": [],
    }
    for key, want in planned.items():
        have = current.get(key)
        if have is None:
            continue
        device = f"d{have.id}"
        if abs(have.weight - want.weight) > WEIGHT_STEP:
            found["set_weight"] += [device, f"{want.weight:.2f}"]
        if have.region != want.region:
            found["set_region"] += [device, str(want.region)]
        if have.zone != want.zone:
            found["set_zone"] += [device, str(want.zone)]
        if have.meta != want.meta:
            found["set_info"] += [device, f"_{want.meta}"]
    return found


@dataclass(frozen=True)
class RingFile:
    name: str
    path: Path


def kept(directory: Path, program: str = BUILDER) -> list[tuple[str, Listing]]:
    """The rings kept for the cluster, as the builder lists them."""
    with _locked(directory, exclusive=False):
        names = sorted(p.name.removesuffix(".builder") for p in directory.glob("*.builder"))
        with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:
            listings = list(pool.map(lambda name: _listing(directory, name, program), names))
        return list(zip(names, listings, strict=True))


def kept_files(directory: Path) -> list[RingFile]:
    """The builders and rings publish sends (OCI sends both); a conflict before the
    first swift-calculate-ring."""
    files = sorted(
        [*directory.glob("*.builder"), *directory.glob("*.ring.gz")], key=lambda p: p.name
    )
    if not any(p.name.endswith(".ring.gz") for p in files):
        raise Conflict(_NONE_KEPT.format(cluster=directory.name))
    return [RingFile(p.name, p) for p in files]


@contextmanager
def reading(directory: Path) -> Iterator[None]:
    """Hold the rings still (no calculation moves them in) while they are read; a
    conflict when none was ever made."""
    if not directory.is_dir():
        raise Conflict(_NONE_KEPT.format(cluster=directory.name))
    with _locked(directory, exclusive=False):
        yield
