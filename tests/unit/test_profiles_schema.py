"""Profiles files: units, and every mistake refused with its file, profile and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from oci.matching.profiles import ProfileError, example_text, load_directory, load_text
from oci.matching.units import parse_size, parse_size_range, parse_speed

ISSUE_EXAMPLE = r"""
profiles:
  - name: ceph-osd-nvme
    role: cephosd
    priority: 60
    match:
      product: ["PowerEdge R6[56]0*", "ThinkSystem SR645"]
      ram: {min: 128GiB}
      disks:
        nvme: {count: {min: 4}, size: 3TB..8TB}
      nics: {min_speed: 25Gb}
    apply:
      raid: {type: software, level: 1, disks: {kind: ssd, count: 2}}
switches:
  patterns:
    - regex: '^(?P<dc>dc\d+)-r(?P<row>\d+)-rack(?P<rack>\d+)-sw\d+$'
      location: '{dc}-zone1'
      aggregate: 'az-{dc}-r{row}'
      position: {port: '^swp(?P<u>\d+)$'}
  table:
    dc2-b3-5: {dc: dc2, row: b3, rack: '5', location: dc2-zone1, aggregate: AZ3}
"""


def test_units() -> None:
    assert parse_size("256GiB") == 256 * 2**30
    assert parse_size("3.84TB") == 3_840_000_000_000
    assert parse_speed("25Gb") == 25_000 and parse_speed("100Gb/s") == 100_000
    assert parse_speed("1000Mb") == 1000
    sizes = parse_size_range("3.5TB..4TB")
    assert 3_840_755_982_336 in sizes and 480_103_981_056 not in sizes
    assert 10**15 in parse_size_range("4TB..") and 10**15 not in parse_size_range("..1TB")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("256", "has no unit"),
        ("256GB2", "not a size"),
        ("256Gib", "unknown size unit 'Gib'"),
    ],
)
def test_bad_sizes_say_why(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_size(text)


def test_the_issue_example_is_accepted_and_kept_as_written() -> None:
    document = load_text(ISSUE_EXAMPLE, "issue.yaml")
    (profile,) = document.profiles
    assert profile.match.disks is not None
    assert profile.match.disks["nvme"].size == "3TB..8TB"
    assert profile.apply.raid is not None and profile.apply.raid.level == 1
    assert document.switches is not None
    assert document.switches.table["dc2-b3-5"].rack == "5"


def test_the_example_set_loads() -> None:
    names = [p.name for p in load_text(example_text(), "examples.yaml").profiles]
    roles = {p.role for p in load_text(example_text(), "examples.yaml").profiles}
    assert len(names) == len(set(names)) >= 8
    assert {"controller", "compute", "cephosd", "swiftstore", "network"} <= roles


def _error(text: str) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        load_text(text, "site.yaml")
    return caught.value.problems


@pytest.mark.parametrize(
    ("match", "problem"),
    [
        # an unknown key
        ("{ram: {minimum: 256GiB}}", "profile 'p1': match.ram.minimum: unknown field"),
        # an unknown operator on a count
        (
            "{disks: {nvme: {count: {min: 4, atleast: 3}}}}",
            "profile 'p1': match.disks.nvme.count.atleast: unknown field",
        ),
        # an unknown unit
        ("{ram: {min: 256Gib}}", "profile 'p1': match.ram.min: unknown size unit 'Gib'"),
        ("{nics: {min_speed: 25Gx}}", "profile 'p1': match.nics.min_speed: unknown speed unit"),
        # a number without unit
        ("{ram: {min: 256}}", "profile 'p1': match.ram.min: '256' has no unit"),
        # a size where a range is needed
        ("{disks: {ssd: {size: 480GB}}}", "profile 'p1': match.disks.ssd.size: '480GB' is not"),
        # an unknown disk kind
        ("{disks: {flash: {count: 2}}}", "profile 'p1': match.disks.flash: Input should be"),
        # a mistyped condition name
        ("{prodcut: [R640]}", "profile 'p1': match.prodcut: unknown field"),
        ("{gpus: {ids: ['10DE:1EB8']}}", "profile 'p1': match.gpus.ids.0: String should match"),
    ],
)
def test_a_mistyped_profile_is_refused_naming_file_profile_and_field(
    match: str, problem: str
) -> None:
    text = (
        "profiles:\n  - {name: p0, role: compute}\n"
        f"  - {{name: p1, role: compute, match: {match}}}\n"
    )
    problems = _error(text)
    assert any(line.startswith(f"site.yaml: {problem}") for line in problems), problems


def test_other_mistakes_are_named() -> None:
    assert _error("profiles: [{name: a, role: computer}]") == [
        "site.yaml: profile 'a': role: unknown role 'computer'; roles: controller, compute, "
        "network, volume, sql, messaging, cephmon, cephosd, swiftproxy, swiftstore, dns, "
        "debmirror, custom"
    ]
    assert (
        "defined twice" in _error("profiles: [{name: a, role: compute}, {name: a, role: dns}]")[0]
    )
    assert _error("profile: []") == ["site.yaml: profile: unknown field"]
    assert "not YAML" in _error("profiles: [")[0]
    problems = _error(
        "switches: {patterns: [{regex: '^(?P<dc>x)(?P<row>y)(?P<rack>z)', "
        "location: '{dc}-{zone}'}]}"
    )
    assert problems[0].startswith("site.yaml: switches.patterns.0: location: template")
    assert "zone" in problems[0]
    assert (
        "lacks the named group(s) rack"
        in _error("switches: {patterns: [{regex: '^(?P<dc>x)(?P<row>y)'}]}")[0]
    )
    assert (
        "(?P<u>...)"
        in _error(
            "switches: {table: {sw1: {dc: a, row: b, rack: c, position: {port: 'swp(\\d+)'}}}}"
        )[0]
    )
    assert "not a regular expression" in _error("switches: {patterns: [{regex: '(['}]}")[0]


def test_a_directory_reports_every_bad_file(tmp_path: Path) -> None:
    (tmp_path / "10-good.yaml").write_text("profiles: [{name: a, role: compute}]\n")
    (tmp_path / "20-bad.yaml").write_text("profiles: [{name: b, role: compute, priority: high}]\n")
    (tmp_path / "30-bad.yml").write_text("profiles: [{name: c, role: dns, match: {ram: 1}}]\n")
    with pytest.raises(ProfileError) as caught:
        load_directory(tmp_path)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        str(tmp_path / "20-bad.yaml"),
        str(tmp_path / "30-bad.yml"),
    ]
    (tmp_path / "20-bad.yaml").unlink()
    (tmp_path / "30-bad.yml").unlink()
    assert [d.profiles[0].name for _, d in load_directory(tmp_path)] == ["a"]
