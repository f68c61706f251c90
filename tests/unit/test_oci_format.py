"""OCI 42.2.5's shipped hardware-profiles.json and auto-racking.json, imported unchanged.

The files are tests/fixtures/oci-42.2.5 (Apache-2.0, see SOURCE.txt). The
machines are the real fixture servers' facts (their dmidecode: product name,
RAM as the DIMMs' sum) with the disks and LLDP neighbours OCI's rules are
about; no fixture machine has a disk listing or an LLDP capture of these
switches.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from oci.ingest.report import parse_report
from oci.inventory.view import DiskView, MachineView, NeighbourView, NicView, from_facts
from oci.matching import match as matching
from oci.matching import oci_format, racking
from oci.matching.profiles import ProfileError, Switches, load_text
from tests.helpers.paths import TESTS
from tests.helpers.reports import fixture_files

OCI = TESTS / "fixtures" / "oci-42.2.5"
PROFILES_TEXT = (OCI / "hardware-profiles.json").read_text()
RACKING_TEXT = (OCI / "auto-racking.json").read_text()
PROFILES = oci_format.load(PROFILES_TEXT, "hardware-profiles.json")
RACKING = oci_format.load(RACKING_TEXT, "auto-racking.json")
assert RACKING.document.switches is not None
RULES = racking.compile_rules(RACKING.document.switches)
COMPILED = matching.compile_profiles(PROFILES.document.profiles)
GB = 10**9


def real(folder: str, **changes: Any) -> MachineView:
    return dataclasses.replace(from_facts(parse_report(fixture_files(folder))), **changes)


def disks(*sizes_gb: int) -> tuple[DiskView, ...]:
    return tuple(DiskView(f"sd{chr(97 + i)}", "hdd", size * GB) for i, size in enumerate(sizes_gb))


def test_both_files_are_recognised_by_their_shape_and_imported_unchanged() -> None:
    assert (PROFILES.kind, RACKING.kind) == ("hardware-profiles", "auto-racking")
    assert [p.name for p in PROFILES.document.profiles] == list(json.loads(PROFILES_TEXT))
    controller = PROFILES.document.profiles[0]
    assert controller.role == "controller"
    assert controller.match.product == ["PowerEdge R430", "PowerEdge R440", "PowerEdge R610"]
    # RAM in OCI is a number of GiB (the DIMMs' MiB / 1024), both bounds included.
    assert controller.match.ram is not None
    assert (controller.match.ram.min, controller.match.ram.max) == ("64GiB", "64GiB")
    switches = RACKING.document.switches
    assert switches is not None and len(switches.table) == len(
        json.loads(RACKING_TEXT)["switchhostnames"]
    )
    assert switches.products["PowerEdge R7525"] == 2
    # The switch table has no product key; our own YAML shape is still told apart.
    assert oci_format.load("profiles: []", "x.yaml").kind == "yaml"


def test_what_cannot_be_expressed_is_named_for_each_profile() -> None:
    notes = "\n".join(PROFILES.notes)
    for profile, construct in [
        ("normal-controller", "hdd.controller 'megacli'"),
        ("compute-over-ceph-with-soft-raid", "hdd.controller 'none'"),
        ("compute-with-var-lib-nova-instance", "after-puppet-controller-command"),
        ("compute-with-var-lib-nova-instance", "properties"),
        ("compute-with-var-lib-nova-instance", "hdd.layout: 2 size ranges are checked as one"),
        (
            "volume-with-raid-10-sdb-on-perc",
            "hdd.layout.1: RAID 10 of 2..8 drives of 750..1800 GiB (WT NORA Direct), "
            "built on the controller by machine-megacli-apply",
        ),
    ]:
        assert f"profile {profile!r}: {construct}" in notes, (profile, construct)
    # Every machine-set line of the shipped file is machine options now: none is kept
    # unapplied (before apply.options, both were: 26 notes, now 24).
    assert "machine-set" not in notes
    assert len(PROFILES.notes) == 24
    assert any("OCI takes the first NIC on a known switch" in n for n in RACKING.notes)


def test_export_gives_back_both_files() -> None:
    """OCI file -> import -> export --format oci: the same files, key for key."""
    switches = RACKING.document.switches
    assert switches is not None
    exported = oci_format.to_oci(PROFILES.document.profiles, switches)
    assert exported.hardware_profiles == json.loads(PROFILES_TEXT)
    assert exported.auto_racking == json.loads(RACKING_TEXT)
    assert exported.notes == ()


def test_the_imported_profiles_survive_our_own_file_shape() -> None:
    """What profile-export writes (YAML) loads again as the same profiles."""
    dumped = [p.model_dump(mode="json", exclude_none=True) for p in PROFILES.document.profiles]
    again = oci_format.load(json.dumps({"profiles": dumped}), "export.yaml")
    assert again.document.profiles == PROFILES.document.profiles


@pytest.mark.parametrize(
    "folder",
    [
        "dell-poweredge-r740-4da16fd4",
        "dell-poweredge-r7525-ffbad714",
        "lenovo-thinksystem-sr645-d7703201",
        "hpe-proliant-dl380-gen10-e9f33a82",
    ],
)
def test_no_real_fixture_server_matches_a_shipped_profile(folder: str) -> None:
    """OCI filters on the exact product name first: the shipped profiles name R430,
    R440, R610, R640 and R740xd only, so none of these (an R740 is not an R740xd)
    survives, and OCI guesses nothing. Neither do we."""
    outcome = matching.match(real(folder), COMPILED)
    assert (outcome.winner, outcome.candidates) == (None, ())


@pytest.mark.parametrize(
    ("product", "ram_gib", "sizes", "expected"),
    [
        # R430, 64 GiB: normal-controller's RAM is exactly 64; swiftproxy's is 128..512.
        ("PowerEdge R430", 64, (240, 240), "normal-controller"),
        # 128 GiB: only swiftproxy's RAM; its layouts want 2 of 220..250 and 4 of 890..900.
        (
            "PowerEdge R430",
            128,
            (240, 240, 894, 894, 894, 894),
            "swiftproxy-with-container-and-account-r430",
        ),
        # R440, 96 GiB: the volume profile (32..128); normal-controller wants 64.
        ("PowerEdge R440", 96, (240, 240, 960, 960), "volume-with-raid-10-sdb-on-perc"),
        # R740xd, 128 GiB: the swift store (controller none, no disk checked).
        ("PowerEdge R740xd", 128, (), "swiftstore-no-account-container-r740xd"),
        # R430 with 32 GiB: below every R430 profile's RAM.
        ("PowerEdge R430", 32, (240, 240), None),
    ],
)
def test_the_profile_oci_would_pick(
    product: str, ram_gib: int, sizes: tuple[int, ...], expected: str | None
) -> None:
    """The real R740's facts with another product name, RAM and disks, read as
    hardware_profile_guess_profile() does: product name equal, RAM in GiB within
    min..max, then each megacli layout taking num_min drives in size_min..size_max
    (GiB, floored). OCI keeps a megacli profile only when the machine has
    drives behind a MegaRAID controller: these sizes are such drives (the R740xd
    has none)."""
    view = real(
        "dell-poweredge-r740-4da16fd4",
        product_name=product,
        memory_bytes=ram_gib << 30,
        raid_drives=tuple(size * GB for size in sizes),
    )
    outcome = matching.match(view, COMPILED)
    assert outcome.winner == expected, outcome.candidates


@pytest.mark.parametrize(
    ("behind_raid", "expected"),
    [(True, "compute-with-var-lib-nova-instance"), (False, "compute-over-ceph-with-soft-raid")],
)
def test_the_raid_controller_decides_between_the_two_computes(
    behind_raid: bool, expected: str
) -> None:
    """An R640 with 256 GiB and 2x240 GB + 2x960 GB: OCI picks
    compute-with-var-lib-nova-instance when the drives sit behind a MegaRAID
    controller (its agent reports them as phys-blockdevices) and
    compute-over-ceph-with-soft-raid when the system sees them as disks."""
    sizes = (240, 240, 960, 960)
    view = real(
        "dell-poweredge-r740-4da16fd4",
        product_name="PowerEdge R640",
        memory_bytes=256 << 30,
        disks=() if behind_raid else disks(*sizes),
        raid_drives=tuple(size * GB for size in sizes) if behind_raid else (),
    )
    outcome = matching.match(view, COMPILED)
    assert outcome.winner == expected, outcome.results


def links(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {
        "nics": tuple(NicView(f"eno{i}", True, 25_000, None, True) for i in range(len(pairs))),
        "neighbours": tuple(
            NeighbourView(f"eno{i}", switch, port) for i, (switch, port) in enumerate(pairs)
        ),
    }


def test_a_listed_server_is_racked_where_oci_racks_it() -> None:
    """auto_racking_guess_location(): ver-d45-cl1 is dc 2, row d, rack 45,
    location ver-zone-1, aggregate VER_1; swp12 is U12; the R7525 is listed
    (num-u 2), so OCI sets loc_u_start 12 (and loc_u_end 13, which we do not keep)."""
    view = real(
        "dell-poweredge-r7525-ffbad714", **links(("ver-d45-cl1", "swp12"), ("ver-d45-cl2", "swp12"))
    )
    guessed = racking.guess(view, RULES)
    assert guessed.place == racking.Place("2", "d", "45", 12, "ver-zone-1", "VER_1"), guessed
    sr645 = real("lenovo-thinksystem-sr645-d7703201", **links(("bdb-b4-cl3", "swp40")))
    assert racking.guess(sr645, RULES).place == racking.Place("3", "b", "4", 40, "zone-2")


def test_an_unlisted_product_is_not_racked_as_in_oci() -> None:
    """OCI places only products of productnames: the R740 is not one."""
    view = real("dell-poweredge-r740-4da16fd4", **links(("ver-d45-cl1", "swp12")))
    guessed = racking.guess(view, RULES)
    assert guessed.place is None
    assert guessed.flags == ("product 'PowerEdge R740' is not among the switch rules' products",)


def test_ports_beyond_the_table_give_no_u() -> None:
    """swp50 is not in switchportnames: OCI would not place the machine; we place
    it without a U (named at import)."""
    view = real("dell-poweredge-r7525-ffbad714", **links(("ver-d45-cl1", "swp50")))
    assert racking.guess(view, RULES).place == racking.Place(
        "2", "d", "45", None, "ver-zone-1", "VER_1"
    )


def test_a_mixed_port_table_names_the_ports_it_cannot_write() -> None:
    loaded = oci_format.load(
        json.dumps(
            {
                "switchhostnames": {"sw1": {"dc": 1, "row": "a", "rack": 2}},
                "switchportnames": {"swp1": "1", "swp2": "2", "uplink": "40"},
            }
        ),
        "racking.json",
    )
    assert any("uplink: a U that is not the port's number" in n for n in loaded.notes)
    entry = loaded.document.switches.table["sw1"] if loaded.document.switches else None
    assert entry is not None and entry.dc == "1" and entry.position is not None


def test_wrong_oci_files_are_refused_with_each_problem_named() -> None:
    bad = {
        "p1": {"role": "compute", "ram": {"min": 1}},
        "p2": {"role": "wizard", "product-name": ["x"], "ram": {"max": 2}},
    }
    with pytest.raises(ProfileError) as caught:
        oci_format.load(json.dumps(bad), "hp.json")
    problems = "\n".join(caught.value.problems)
    assert "profile 'p1': product-name" in problems
    assert "profile 'p1': ram.max" in problems
    with pytest.raises(ProfileError) as caught:
        oci_format.load(json.dumps({"p2": bad["p2"]}), "hp.json")
    assert "unknown role 'wizard'" in caught.value.problems[0]
    with pytest.raises(ProfileError, match="not an OCI file"):
        oci_format.load("profiles: []", "x.yaml", "oci")


def test_our_profiles_exported_to_oci_name_what_oci_cannot_say() -> None:
    document = load_text(
        """
profiles:
  - name: gpu
    role: compute
    priority: 5
    match: {product: ['PowerEdge R7*'], ram: {min: 256GiB}, gpus: {count: 2}}
    apply: {use_ceph_if_available: true, cpu_model: EPYC-Rome}
""",
        "ours.yaml",
    )
    exported = oci_format.to_oci(document.profiles, Switches())
    entry = exported.hardware_profiles["gpu"]
    assert entry["machine-set"] == ["--use_ceph_if_available yes --cpu-model EPYC-Rome"]
    assert entry["ram"] == {"min": 256, "max": 1048576}
    notes = "\n".join(exported.notes)
    for what in ("product 'PowerEdge R7*'", "no ram.max", "match.gpus", "priority 5"):
        assert what in notes, what


def test_shipped_machine_set_lines_become_machine_options() -> None:
    """OCI's machine-set lines, read as ocicli machine-set reads them: --raid-devN is
    the Nth disk of raid_devices, yes/no are booleans."""
    by_name = {p.name: p for p in PROFILES.document.profiles}
    store = by_name["swiftstore-no-account-container-r740xd"]
    assert store.apply.options == {
        "install_on_raid": True,
        "raid_type": "1",
        "raid_devices": ["sdm", "sdn"],
        "swift_store_object": True,
        "swift_store_account": False,
        "swift_store_container": False,
    }
    # Kept as written too: the export gives OCI's lines back byte for byte.
    assert store.oci is not None and store.oci["machine-set"] == [
        "--install-on-raid yes --raid-type 1 --raid-dev0 sdm --raid-dev1 sdn "
        "--swift-store-object yes --swift-store-account no --swift-store-container no"
    ]
    proxy = by_name["swiftproxy-with-container-and-account-r430"]
    assert proxy.apply.options == {
        "swift_store_object": False,
        "swift_store_account": True,
        "swift_store_container": True,
    }


def _one(machine_set: list[str]) -> oci_format.Loaded:
    entry = {"role": "compute", "product-name": ["X"], "ram": {"max": 64}}
    return oci_format.load(json.dumps({"p": entry | {"machine-set": machine_set}}), "hp.json")


def test_machine_set_lines_we_cannot_express_are_named_and_kept() -> None:
    lines = [
        "--raid-dev1 sdb --raid-dev0 sda --install-on-raid yes --raid-type 1",
        "--cpu-allocation-ratio 4 --use_ceph_if_available yes --serial-console-device ttyS1",
        "--frobnicate yes --nested-virt yes",
        "--hostname %%HOSTNAME%%",
        "--use-gpu yes --gpu-name t4",
    ]
    loaded = _one(lines)
    apply = loaded.document.profiles[0].apply
    assert apply.options == {
        "raid_devices": ["sda", "sdb"],  # by N, whatever the order of the flags
        "install_on_raid": True,
        "raid_type": "1",
        "cpu_allocation_ratio": 4.0,
        "use_ceph_if_available": True,
        "serial_console": "ttyS1",
    }
    notes = "\n".join(loaded.notes)
    assert "'--frobnicate yes --nested-virt yes': --frobnicate have no machine option" in notes
    assert "'--hostname %%HOSTNAME%%': %% templating" in notes
    assert "--use-gpu, --gpu-name have no machine option" in notes
    assert notes.count("not applied, kept for export") == 3
    # Export: OCI's lines as written while apply.options says what they say ...
    exported = oci_format.to_oci(loaded.document.profiles, Switches())
    assert exported.hardware_profiles["p"]["machine-set"] == lines
    # ... else the options as one line in OCI's spellings, then the lines not applied.
    profile = loaded.document.profiles[0]
    assert profile.apply.options is not None
    edited = profile.apply.model_copy(
        update={"options": profile.apply.options | {"raid_type": "10", "nested_virt": False}}
    )
    exported = oci_format.to_oci([profile.model_copy(update={"apply": edited})], Switches())
    assert exported.hardware_profiles["p"]["machine-set"] == [
        "--raid-dev0 sda --raid-dev1 sdb --install-on-raid yes --raid-type 10 "
        "--cpu-allocation-ratio 4 --use_ceph_if_available yes --serial-console-device ttyS1 "
        "--nested-virt no",
        *lines[2:],
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("--swift-store-object maybe", "apply.options: swift_store_object: "),
        ("--raid-type 7", "apply.options: raid_type: "),
        (
            "--install-on-raid yes --raid-dev0 sda",
            "apply.options: RAID 1 needs at least 2 raid_devices",
        ),
    ],
)
def test_a_bad_machine_set_value_is_refused_naming_profile_and_option(
    line: str, problem: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        _one([line])
    assert f"hp.json: profile 'p': {problem}" in caught.value.problems[0], caught.value.problems
