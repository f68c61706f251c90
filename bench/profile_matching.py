"""How much matching and explaining the whole inventory adds to loading it.

Builds, in a SQLite file, N machines (default 10,000) in the shapes of the
real fixture machines (their parsed dmidecode/lscpu, with the disks, NICs,
GPUs and LLDP neighbours each is built with), and P profiles (default 100:
the shipped examples plus variations). Then it times, in this one run:
  load:  every machine with its disks, NICs, PCI devices, LLDP and BMC read
         from the database into the views matching reads
  match: every profile's every condition on every machine, explained (the
         text of each check built), the winner or the tie decided
and prints match as a ratio of load, twice: every machine matched on its own,
and through `Matcher`, which matches machines with equal facts once (a fleet
is racks of a few models; the N machines here are 12 real shapes with their
RAM, data disks and NIC speeds varied), and cold, every value new.
Aim: below 1.0 (matching adds less than
loading). Run: .venv/bin/python bench/profile_matching.py [N] [P]
"""

from __future__ import annotations

import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from oci import migrate
from oci.db import make_engine, make_sessionmaker
from oci.enrolment.automation import COMPONENTS
from oci.ingest.report import parse_report
from oci.inventory.view import MachineView, from_facts, from_row
from oci.matching.match import Matcher, compile_profiles, match
from oci.matching.profiles import Profile, example_text, load_text
from oci.models import Bmc, Disk, LldpNeighbour, Machine, Nic, PciDevice
from tests.helpers.reports import fixture_files
from tests.unit.test_matching import CASES

TB = 10**12


def shapes() -> list[MachineView]:
    """The fixture machines with their components, as in tests/unit/test_matching.py."""
    views = []
    for folder, parts, _winner, _why in CASES:
        view = from_facts(parse_report(fixture_files(folder)))
        views.append(dataclasses.replace(view, has_bmc=True, **parts))  # type: ignore[arg-type]
    return views


def varied(view: MachineView, rng: random.Random) -> MachineView:
    """The shape with its RAM, data disks and NIC speeds as a fleet varies them."""
    speed = rng.choice((10_000, 25_000, 100_000))
    return dataclasses.replace(
        view,
        memory_bytes=int((view.memory_bytes or 0) * rng.choice((0.5, 1, 1.5, 2))),
        disks=view.disks[: max(2, len(view.disks) - rng.randint(0, 2))],
        nics=tuple(dataclasses.replace(n, speed_mbps=speed) for n in view.nics),
    )


def populate(url: str, count: int) -> None:
    engine = make_engine(url)
    forms = shapes()
    rng = random.Random(10_000)
    machines, disks, nics, pcis, lldps, bmcs = [], [], [], [], [], []
    for n in range(1, count + 1):
        view = varied(forms[n % len(forms)], rng)
        machines.append(
            {
                "id": n,
                "serial": f"BENCH-{n}",
                "manufacturer": view.manufacturer,
                "product_name": view.product_name,
                "architecture": view.architecture,
                "cpu_vendor": view.cpu_vendor,
                "cpu_model": view.cpu_model,
                "cpu_cores": view.cpu_cores,
                "cpu_threads": view.cpu_threads,
                "memory_bytes": view.memory_bytes,
                "settings": {},
                "discovery_count": 1,
            }
        )
        disks += [
            {"machine_id": n, "name": d.name, "kind": d.kind, "size_bytes": d.size_bytes}
            for d in view.disks
        ]
        for i, nic in enumerate(view.nics):
            nics.append(
                {
                    "machine_id": n,
                    "name": nic.name,
                    "mac": f"02:00:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}:{i:02x}",
                    "physical": True,
                    "speed_mbps": nic.speed_mbps,
                    "product_name": nic.product_name,
                    "link_up": True,
                }
            )
            rack = n // 40
            lldps.append(
                {
                    "machine_id": n,
                    "interface": nic.name,
                    "switch_name": f"dc1-r{rack // 10}-rack{rack}-sw{i % 2 + 1}",
                    "port_id": f"swp{n % 40 + 1}",
                }
            )
        pcis += [
            {
                "machine_id": n,
                "address": f"0000:{i + 0x10:02x}:00.0",
                "class_id": "0302",
                "vendor_id": g.ids[:4],
                "device_id": g.ids[5:],
                "device_name": g.name,
            }
            for i, g in enumerate(view.gpus)
        ]
        bmcs.append({"machine_id": n, "manufacturer": "bench"})
    with engine.begin() as conn:
        for model, rows in (
            (Machine, machines),
            (Disk, disks),
            (Nic, nics),
            (PciDevice, pcis),
            (LldpNeighbour, lldps),
            (Bmc, bmcs),
        ):
            if rows:
                conn.execute(insert(model), rows)
    engine.dispose()


def profiles(count: int) -> list[Profile]:
    """The shipped examples, then variations of them up to ``count``."""
    base = load_text(example_text(), "examples.yaml").profiles
    rng = random.Random(5)
    products = ["PowerEdge R7*", "ProLiant DL3[68]0*", "ThinkSystem SR6*", "HR630X", "G48*"]
    made = list(base)
    while len(made) < count:
        template = base[len(made) % len(base)]
        data = template.model_dump(mode="json", exclude_none=True)
        data["name"] = f"{template.name}-v{len(made)}"
        data["priority"] = rng.randint(1, 500)
        data.setdefault("match", {})["product"] = rng.sample(products, 2)
        data["match"]["ram"] = {"min": f"{rng.choice([64, 128, 256, 512])}GiB"}
        made.append(Profile.model_validate(data))
    return made


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    profile_count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        populate(url, count)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        compiled = compile_profiles(profiles(profile_count))

        start = time.perf_counter()
        with sessions() as session:
            rows = session.scalars(select(Machine).options(*COMPONENTS).order_by(Machine.id))
            views = [from_row(machine) for machine in rows]
        load = time.perf_counter() - start

        # Cold: profiles compiled afresh for each of a sample of machines, so no
        # condition has seen a value before (the worst case: all hardware unique).
        sample = views[:: max(1, len(views) // 200)]
        fresh = [compile_profiles(profiles(profile_count)) for _ in sample]
        start = time.perf_counter()
        for view, own in zip(sample, fresh, strict=True):
            match(view, own)
        cold = (time.perf_counter() - start) / len(sample) * len(views)

        start = time.perf_counter()
        outcomes = [match(view, compiled) for view in views]
        matching = time.perf_counter() - start

        start = time.perf_counter()
        matcher = Matcher(compiled)
        memoised = [matcher.match(view) for view in views]
        memo = time.perf_counter() - start
        assert memoised == outcomes
        engine.dispose()
    checks = sum(len(r.checks) for o in outcomes for r in o.results)
    statuses = {s: sum(o.status == s for o in outcomes) for s in ("matched", "ambiguous", "none")}
    print(f"{len(views)} machines, {len(compiled)} profiles, {checks} checks explained, SQLite")
    print(f"  outcomes: {statuses}")
    print(f"  load  {load:7.2f} s  (1.00x)")
    print(
        f"  match {cold:7.2f} s  ({cold / load:.2f}x the load): cold, as if every machine's "
        f"hardware were unique (from {len(sample)} machines)"
    )
    print(
        f"  match {matching:7.2f} s  ({matching / load:.2f}x the load): match(), each "
        "condition remembering its verdict per value"
    )
    print(
        f"  match {memo:7.2f} s  ({memo / load:.2f}x the load): Matcher, equal hardware "
        f"matched once ({len(matcher._memo)} distinct machines)"
    )


if __name__ == "__main__":
    main()
