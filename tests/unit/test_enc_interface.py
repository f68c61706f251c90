"""oci.enc.interface: the class parameters of the module `oci`, read without Puppet.

Against Debian's installed puppet-module-oci 42.2.5 (counts from Puppet's own
parser, docs/research/puppet-module-oci/extract_params.rb; the names are
compared with that parser in tests/e2e/test_puppet_compile.py) and against
small manifests with the syntax a naive reader gets wrong.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from oci.enc import interface
from oci.enc.interface import Interface, InterfaceError, load, parse_classes

INSTALLED = Path("/usr/share/puppet/modules")
installed = pytest.mark.skipif(
    not (INSTALLED / "oci" / "manifests" / "compute.pp").exists(),
    reason="puppet-module-oci is not installed (scripts/apt-packages)",
)

COUNTS = {
    "controller": 242,
    "compute": 113,
    "network": 47,
    "volume": 52,
    "sql": 47,
    "messaging": 94,
    "cephmon": 20,
    "cephosd": 27,
    "swiftproxy": 76,
    "swiftstore": 40,
    "dns": 10,
    "debmirror": 4,
    "tempest": 21,
    "generic": 28,
    "filebeat": 44,
}


@installed
def test_the_installed_module_has_the_role_classes_with_puppets_counts() -> None:
    classes = load(INSTALLED).classes
    assert {role: len(classes[f"oci::{role}"]) for role in COUNTS} == COUNTS
    # helpers of the module, in subdirectories too
    assert classes["oci::haproxy"] == frozenset()
    assert "oci::sql::galera" in classes


@installed
def test_the_installed_module_names_what_the_research_saw() -> None:
    classes = load(INSTALLED).classes
    assert {"ssh_listen_ips", "etc_hosts", "authorized_keys_hash"} <= classes["oci::generic"]
    # controller.pp:262, a default that calls a function with a comma in a string
    assert "zookeeper_ensemble_string" in classes["oci::controller"]
    assert "cinder_backup_use_external_swift" in classes["oci::compute"]  # bareword default


@installed
def test_check_words_problems_as_puppet_does() -> None:
    module = load(INSTALLED)
    assert module.check({"oci::compute": {"cluster": 1, "machine_hostname": "h"}}) == [
        "Class[Oci::Compute]: has no parameter named 'cluster'"
    ]
    assert module.check(
        {"oci::compute": {"cluster": 1, "database_connection": 2}, "oci::generic": None}
    ) == ["Class[Oci::Compute]: has no parameter named 'cluster', 'database_connection'"]
    (message,) = module.check({"oci::computer": {}})
    assert message.startswith("Could not find class ::oci::computer")
    assert str(INSTALLED) in message
    # metaparameters are accepted on any class; names are case-insensitive
    assert module.check({"::Oci::Generic": {"stage": "main", "etc_hosts": "x"}}) == []


@installed
def test_the_reading_is_cached_until_a_file_changes(tmp_path: Path) -> None:
    started = time.monotonic()
    assert load(INSTALLED) is load(INSTALLED)
    assert time.monotonic() - started < 2
    copy = module(tmp_path, {"a.pp": "class oci::a ($x = 1) {}\n"})
    first = load(copy)
    assert load(copy) is first
    manifest = copy / "oci" / "manifests" / "a.pp"
    manifest.write_text("class oci::a ($x = 1, $y = 2) {}\n")
    os.utime(manifest, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert load(copy).classes["oci::a"] == {"x", "y"}


def module(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "oci" / "manifests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


TRICKY = r"""
# class oci::commented (
#   $nope = 1,
# )
/* class oci::blockcommented ($nope) {} */
class oci::tricky (
  $plain          = undef,   # a comment, with (parens) and a $fake = 1,
  String $typed   = 'a, b) c',
  Optional[Hash[String, Variant[Integer, Array[String]]]] $nested = { 'k' => [1, 2], 'l' => {} },
  $interpolated   = "x, ${::fqdn}, ${join(['a', 'b'], ',')}, \" ) ",
  $escaped        = 'it\'s (odd), $fake',
  $called         = join($all_masters_ip, ':2181,'),
  Pattern[/^(a|b),\/c$/] $patterned = 'a',
  $bareword       = no,
  $list           = [ '127.0.0.1', "${::fqdn}" ],
  $heredoc        = @("END"/L),
    text, with ) and $fake
    | END
  $division       = 10 / 2,
  $last
) inherits oci::base {
  $body = 'class oci::instring ($nope) {}'
  class { '::oci::other': param => 1 }
  if $x =~ /class oci::inregex \(/ { }
}

class oci::noparams {
  include ::oci::tricky
}

class oci::inheriting inherits oci::noparams { }
class oci::sub::klass(
) { }
class oci::trailing ( $a, $b, ) { }
"""


def test_tricky_syntax_gives_the_names_in_order() -> None:
    assert dict(parse_classes(TRICKY)) == {
        "oci::tricky": [
            "plain",
            "typed",
            "nested",
            "interpolated",
            "escaped",
            "called",
            "patterned",
            "bareword",
            "list",
            "heredoc",
            "division",
            "last",
        ],
        "oci::noparams": [],
        "oci::inheriting": [],
        "oci::sub::klass": [],
        "oci::trailing": ["a", "b"],
    }


def test_a_module_directory_or_a_search_path(tmp_path: Path) -> None:
    overlay = module(tmp_path / "overlay", {"x.pp": "class oci::x ($new) {}"})
    debian = module(tmp_path / "debian", {"x.pp": "class oci::x ($old) {}"})
    assert load([tmp_path / "missing", overlay, debian]).classes == {"oci::x": {"new"}}
    assert load(debian).module_dir == debian / "oci"
    with pytest.raises(InterfaceError, match="no Puppet module 'oci'"):
        load([tmp_path / "missing"])


def test_a_broken_header_is_an_error_naming_the_file(tmp_path: Path) -> None:
    broken = module(tmp_path, {"sub/b.pp": "class oci::b (\n  $x = [1, 2),\n) {}\n"})
    with pytest.raises(InterfaceError, match=r"manifests/sub/b\.pp:2: unbalanced"):
        load(broken)
    twice = module(tmp_path / "t", {"a.pp": "class oci::a {}", "b.pp": "class oci::a {}"})
    with pytest.raises(InterfaceError, match="defined twice"):
        load(twice)


def test_check_on_a_synthetic_interface() -> None:
    fake = Interface(module_dir=Path("/m/oci"), classes={"oci::a": frozenset({"x"})})
    assert fake.check({"oci::a": {"x": 1}}) == []
    assert fake.check({"oci::a": {"y": 1}, "nova": {}}) == [
        "Class[Oci::A]: has no parameter named 'y'",
        "Could not find class ::nova (the module oci in /m/oci has no such class)",
    ]
    assert interface.class_reference("oci::sql::galera") == "Class[Oci::Sql::Galera]"
