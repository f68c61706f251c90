"""oci.enc.release: the OpenStack release the installed Puppet modules implement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oci.enc import release
from oci.errors import Invalid


def fake(root: Path, **versions: str) -> Path:
    for name, version in versions.items():
        (root / name).mkdir(parents=True)
        (root / name / "metadata.json").write_text(
            json.dumps({"name": f"openstack-{name}", "version": version})
        )
    return root


def test_majors_name_the_releases() -> None:
    assert release.release_of("17.4.0") == "victoria"
    assert release.release_of("21.0.0") == "zed"
    assert release.release_of("22.1.0") == "antelope"
    assert release.release_of("26.0.0") == "epoxy"
    assert release.release_of("99.0.0") is None
    assert release.release_of("garbage") is None


def test_a_consistent_installation_implements_one_release(tmp_path: Path) -> None:
    modules = fake(tmp_path, nova="21.0.0", keystone="21.0.0", cloudkitty="10.0.0")
    assert release.installed_releases(modules) == ("zed",)
    assert release.problem("zed", modules) is None
    release.check("zed", modules)


def test_another_release_is_refused_naming_the_one_that_works(tmp_path: Path) -> None:
    modules = fake(tmp_path, nova="21.0.0", keystone="21.0.0")
    with pytest.raises(Invalid) as caught:
        release.check("antelope", modules)
    assert "'antelope' does not match" in caught.value.message
    assert "they implement zed (keystone 21.0.0, nova 21.0.0)" in caught.value.message
    assert caught.value.details == {"release": "antelope", "installed": ["zed"]}
    # the manifests compile an unknown name down their newest branch: refused here
    message = release.problem("zedd", modules)
    assert message is not None and "unknown OpenStack release 'zedd'" in message


def test_the_first_entry_of_a_search_path_wins(tmp_path: Path) -> None:
    overlay = fake(tmp_path / "overlay", nova="22.0.0")
    debian = fake(tmp_path / "debian", nova="21.0.0", keystone="22.0.0")
    assert release.module_versions([overlay, debian]) == {"keystone": "22.0.0", "nova": "22.0.0"}
    assert release.installed_releases([overlay, debian]) == ("antelope",)


def test_mixed_missing_and_unknown_installations(tmp_path: Path) -> None:
    mixed = fake(tmp_path / "mixed", nova="21.0.0", neutron="20.1.0")
    assert release.installed_releases(mixed) == ("yoga", "zed")
    message = release.problem("zed", mixed)
    assert message is not None and "different OpenStack releases" in message
    assert "yoga: neutron 20.1.0" in message and "zed: nova 21.0.0" in message

    empty = tmp_path / "empty"
    empty.mkdir()
    assert release.installed_releases(empty) == ()
    message = release.problem("zed", empty)
    assert message is not None and "no OpenStack Puppet module" in message

    future = fake(tmp_path / "future", nova="40.0.0")
    message = release.problem("zed", future)
    assert message is not None and "nova 40.0.0" in message

    broken = tmp_path / "broken"
    (broken / "nova").mkdir(parents=True)
    (broken / "nova" / "metadata.json").write_text("{")
    with pytest.raises(Invalid, match=r"metadata\.json: no version"):
        release.check("zed", broken)


INSTALLED = Path("/usr/share/puppet/modules")


@pytest.mark.skipif(
    not (INSTALLED / "nova" / "metadata.json").exists(),
    reason="openstack-puppet-modules is not installed (scripts/apt-packages)",
)
def test_debians_modules_here_are_zed() -> None:
    assert release.installed_releases(INSTALLED) == ("zed",)


def test_the_module_path_setting() -> None:
    from oci.config import ConfigError, load_settings

    default = load_settings(environ={}, overrides={"data_dir": "/srv/oci"})
    assert default.effective_puppet_module_path == (
        Path("/srv/oci/puppet-overlay"),
        Path("/usr/share/puppet/modules"),
    )
    chosen = load_settings(environ={"OCI_PUPPET_MODULE_PATH": "/a/b:/usr/share/puppet/modules"})
    assert chosen.effective_puppet_module_path == (Path("/a/b"), Path("/usr/share/puppet/modules"))
    with pytest.raises(ConfigError, match="puppet_module_path"):
        load_settings(environ={"OCI_PUPPET_MODULE_PATH": "relative:/x"})
